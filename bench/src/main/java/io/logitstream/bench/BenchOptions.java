package io.logitstream.bench;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options every bench command shares (threads, machine-load wait, folders, the Python side),
 * with the defaults resolved against the checkout. A picocli mixin: {@code @Mixin BenchOptions common}.
 */
public final class BenchOptions {

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "Intra-op threads for every engine (default 0: the number of CPUs); inter-op threads: 1.")
    int threads;

    @Option(names = "--no-reference", description = "Run only our side (no transformers column).")
    boolean noReference;

    @Option(names = "--max-wait-quiet", defaultValue = "-1", paramLabel = "SECONDS",
            description = "Before each measurement, wait up to this long for other processes to use < 25%% of the"
                    + " CPUs (default 20, 0 with --quick).")
    double maxWaitQuiet;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Checkpoints and scratch (default bench/work).")
    Path workDir;

    @Option(names = "--results-dir", paramLabel = "DIR", description = "Where results go (default bench/results).")
    Path resultsDir;

    @Option(names = "--venv", paramLabel = "DIR", description = "Python venv (default .venv; created when missing).")
    Path venv;

    @Option(names = "--python", defaultValue = "python3", paramLabel = "EXE",
            description = "Python used to create the venv (default ${DEFAULT-VALUE}).")
    String bootstrapPython;

    @Option(names = "--verbose", description = "Echo the Python process's stderr.")
    boolean verbose;

    public boolean reference() {
        return !noReference;
    }

    public boolean verbose() {
        return verbose;
    }

    public String bootstrapPython() {
        return bootstrapPython;
    }

    public int threads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    public double waitQuiet(boolean quick) {
        return maxWaitQuiet >= 0 ? maxWaitQuiet : quick ? 0 : 20;
    }

    public Path workDir(Path root) {
        return workDir != null ? workDir : root.resolve("bench/work");
    }

    public Path resultsDir(Path root) {
        return resultsDir != null ? resultsDir : root.resolve("bench/results");
    }

    public Path venvDir(Path root) {
        return venv != null ? venv : root.resolve(".venv");
    }
}
