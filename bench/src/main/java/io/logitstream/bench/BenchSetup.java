package io.logitstream.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/** What every bench command needs around its measurements: the checkout, the Python environment, result files. */
public final class BenchSetup {

    private BenchSetup() {
    }

    /** The repository root: -Dlogitstream.root (the launcher sets it), else the nearest parent with bench/python. */
    public static Path projectRoot() {
        String prop = System.getProperty("logitstream.root");
        if (prop != null && Files.isRegularFile(Paths.get(prop, "bench/python/hf_bench.py"))) {
            return Paths.get(prop).toAbsolutePath().normalize();
        }
        Path p = Paths.get("").toAbsolutePath();
        while (p != null) {
            if (Files.isRegularFile(p.resolve("bench/python/hf_bench.py"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("cannot find the LogitStream checkout (bench/python/hf_bench.py): run from"
                + " inside it or set -Dlogitstream.root");
    }

    /** Environment of the Python side: its thread pools, offline Hugging Face, unbuffered output. */
    public static Map<String, String> pythonEnv(int threads) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OMP_NUM_THREADS", Integer.toString(threads));
        env.put("MKL_NUM_THREADS", Integer.toString(threads));
        env.put("TOKENIZERS_PARALLELISM", "false");
        env.put("HF_HUB_OFFLINE", "1");
        env.put("TRANSFORMERS_OFFLINE", "1");
        env.put("HF_HUB_DISABLE_TELEMETRY", "1");
        env.put("PYTHONUNBUFFERED", "1");
        return env;
    }

    public static String jvmDescription() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", "
                + ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                        .filter(a -> a.startsWith("-Xmx")).findFirst().orElse("default heap");
    }

    /** The arguments given to a subcommand (what follows its name). */
    public static List<String> commandArgs(CommandSpec spec) {
        List<String> all = spec.commandLine().getParseResult().originalArgs();
        int i = all.indexOf(spec.name());
        return i >= 0 ? all.subList(i + 1, all.size()) : all;
    }

    public static String argsString(List<String> args) {
        return args.isEmpty() ? "" : " " + String.join(" ", args);
    }

    /**
     * Writes {@code <prefix>-<date>[-quick].md|json} and {@code <prefix>-latest.md|json} under
     * {@code dir} and prints the markdown and where it went.
     */
    public static void writeResults(Path dir, String prefix, ZonedDateTime date, boolean quick, String markdown, String json,
            double wallSeconds, PrintWriter out) throws IOException {
        Files.createDirectories(dir);
        String base = prefix + "-" + date.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + (quick ? "-quick" : "");
        Files.writeString(dir.resolve(base + ".md"), markdown);
        Files.writeString(dir.resolve(base + ".json"), json);
        Files.writeString(dir.resolve(prefix + "-latest.md"), markdown);
        Files.writeString(dir.resolve(prefix + "-latest.json"), json);
        out.println(markdown);
        out.println("written: " + dir.resolve(base + ".md") + " and .json (also " + prefix + "-latest.*), in "
                + String.format("%.0f s", wallSeconds));
        out.flush();
    }
}
