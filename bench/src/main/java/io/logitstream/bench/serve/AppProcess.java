package io.logitstream.bench.serve;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code logitstream} subcommand (worker, topology) in its own JVM, exactly as a user starts it:
 * {@code io.logitstream.app.Main} on the app's class path. Its output goes to a log file.
 */
final class AppProcess implements AutoCloseable {
    static final String MAIN = "io.logitstream.app.Main";

    private final String name;
    private final Process process;
    private final Path logFile;

    private AppProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    /**
     * Starts {@code java <jvmArgs> -cp <app class path> io.logitstream.app.Main <args>}. The engine's
     * environment (offline DJL, CPU natives) is passed on, as the launcher sets it.
     */
    static AppProcess start(String name, Path root, List<String> jvmArgs, List<String> args, Path logFile)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dlogitstream.root=" + root);
        cmd.add("-cp");
        cmd.add(classPath(root));
        cmd.add(MAIN);
        cmd.addAll(args);
        Files.createDirectories(logFile.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        Map<String, String> env = pb.environment();
        env.putIfAbsent("PYTORCH_FLAVOR", "cpu");
        env.putIfAbsent("OPT_OUT_TRACKING", "true");
        env.putIfAbsent("DJL_CACHE_DIR", root.resolve(".run/djl-cache").toString());
        env.putIfAbsent("ENGINE_CACHE_DIR", env.get("DJL_CACHE_DIR"));
        return new AppProcess(name, pb.start(), logFile);
    }

    /**
     * The class path that has {@code io.logitstream.app.Main}: this JVM's when it runs the app
     * ({@code ./logitstream bench serve}), else the app's build output ({@code bench/run.sh serve}).
     */
    static String classPath(Path root) {
        try {
            Class.forName(MAIN, false, AppProcess.class.getClassLoader());
            return System.getProperty("java.class.path");
        } catch (ClassNotFoundException e) {
            Path classes = root.resolve("app/target/classes");
            Path lib = root.resolve("app/target/lib");
            if (!Files.isDirectory(classes) || !Files.isDirectory(lib)) {
                throw new IllegalStateException("bench serve starts the worker and the topology with the app's class"
                        + " path, and " + classes + " or " + lib + " is missing: build the app first (./logitstream"
                        + " --help does), or run ./logitstream bench serve");
            }
            return classes + File.pathSeparator + lib + File.separator + "*";
        }
    }

    long pid() {
        return process.pid();
    }

    /** Null while it runs; otherwise its exit code and where its log is. */
    String failure() {
        return process.isAlive() ? null : name + " exited with code " + process.exitValue() + " (log: " + logFile
                + ")";
    }

    /** Stops it like Ctrl-C does (its shutdown hooks close the Kafka clients), then forcibly if it hangs. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
