package io.logitstream.bench.serve;

import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A {@code logitstream} subcommand (worker, topology) in its own JVM, exactly as a user starts it:
 * {@code io.logitstream.app.Main} on the app's class path. Its output goes to a log file.
 */
public final class AppProcess implements AutoCloseable {
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
     * {@code logitstream topology} routing {@code models} (with a short commit interval, as {@code up} sets), its
     * state and log under {@code logs} (the state of a previous run's cluster is deleted first).
     */
    public static AppProcess topology(Path root, Path logs, ServeStack stack, List<String> models) throws IOException {
        Path config = logs.resolve("topology.properties");
        ServeStack.deleteTree(logs.resolve("streams"));
        writeProperties(config, Map.of("state.dir", logs.resolve("streams").toString(),
                "commit.interval.ms", "50", "application.id", "logitstream-bench-topology"));
        return start("topology", root, List.of("-Xmx512m"), List.of("topology", "--bootstrap-servers",
                stack.bootstrap(), "--schema-registry-url", stack.registryUrl(), "--models", String.join(",", models),
                "--config", config.toString()), logs.resolve("topology.log"));
    }

    /**
     * {@code logitstream worker} serving {@code dir} as {@code modelName} with {@code threads} intra-op threads
     * and {@code serving} in its --config file; config and log under {@code logs}.
     */
    public static AppProcess worker(Path root, Path logs, ServeStack stack, String modelName, Path dir, int threads,
            Map<String, String> serving) throws IOException {
        Path configFile = logs.resolve("worker-" + modelName + ".properties");
        writeProperties(configFile, serving);
        return start("worker " + modelName, root,
                List.of("-Xmx1g", "-Dai.djl.pytorch.num_threads=" + threads, "-Dai.djl.pytorch.num_interop_threads=1"),
                List.of("worker", "--model", dir.toString(), "--model-name", modelName, "--worker-id", "bench-" + modelName,
                        "--bootstrap-servers", stack.bootstrap(), "--schema-registry-url", stack.registryUrl(),
                        "--config", configFile.toString()),
                logs.resolve("worker-" + modelName + ".log"));
    }

    static void writeProperties(Path file, Map<String, String> values) throws IOException {
        Properties props = new Properties();
        props.putAll(values);
        Files.createDirectories(file.getParent());
        try (Writer w = Files.newBufferedWriter(file)) {
            props.store(w, "written by the bench");
        }
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

    public long pid() {
        return process.pid();
    }

    /** Null while it runs; otherwise its exit code and where its log is. */
    public String failure() {
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
