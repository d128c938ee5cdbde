package io.logitstream.bench.serve;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The broker and the schema registry the Kafka path runs on: by default a private local stack
 * ({@code deploy/local/stack.sh}, the script {@code ./logitstream up} uses) on free ports with its
 * state under the bench's work folder, so it never meets a stack someone else runs on this machine;
 * or an existing cluster given by the user, used as it is.
 */
public final class ServeStack implements AutoCloseable {
    private final Path root;
    private final Path runDir;
    private final Map<String, String> env;
    private final PrintStream log;
    private final String bootstrap;
    private final String registryUrl;
    private boolean started;

    private ServeStack(Path root, Path runDir, Map<String, String> env, PrintStream log, String bootstrap,
            String registryUrl) {
        this.root = root;
        this.runDir = runDir;
        this.env = env;
        this.log = log;
        this.bootstrap = bootstrap;
        this.registryUrl = registryUrl;
    }

    /** A cluster and registry that are already running. */
    public static ServeStack external(String bootstrap, String registryUrl) {
        return new ServeStack(null, null, Map.of(), null, bootstrap, registryUrl);
    }

    /**
     * Starts a fresh broker and registry on free ports with their state in {@code runDir}: whatever a
     * previous run left there (a crashed run's processes included) is stopped and deleted first.
     */
    public static ServeStack startLocal(Path root, Path runDir, PrintStream log) throws IOException, InterruptedException {
        int broker = freePort();
        int controller = freePort();
        int registry = freePort();
        Map<String, String> env = Map.of("LOGITSTREAM_RUN_DIR", runDir.toString(),
                "LOGITSTREAM_BROKER_PORT", Integer.toString(broker),
                "LOGITSTREAM_CONTROLLER_PORT", Integer.toString(controller),
                "LOGITSTREAM_REGISTRY_PORT", Integer.toString(registry));
        ServeStack stack = new ServeStack(root, runDir, env, log, "localhost:" + broker,
                "http://localhost:" + registry + "/apis/ccompat/v7");
        if (Files.isDirectory(runDir)) {
            stack.run("down");
            deleteTree(runDir);
        }
        try {
            stack.run("up");
        } catch (IllegalStateException e) {
            stack.run("down"); // the broker may be up while the registry failed
            throw e;
        }
        stack.started = true;
        return stack;
    }

    public String bootstrap() {
        return bootstrap;
    }

    public String registryUrl() {
        return registryUrl;
    }

    /** The broker's and the registry's process ids (for the CPU accounting); empty for an external cluster. */
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        if (runDir != null) {
            for (String file : List.of("broker/broker.pid", "registry/registry.pid")) {
                try {
                    pids.add(Long.parseLong(Files.readString(runDir.resolve(file)).trim()));
                } catch (IOException | NumberFormatException e) {
                    // not started by us, or not a number: not counted
                }
            }
        }
        return pids;
    }

    public String describe() {
        return runDir == null ? "external cluster " + bootstrap + ", registry " + registryUrl
                : "local stack (deploy/local/stack.sh: KRaft broker " + bootstrap + ", Apicurio registry "
                        + registryUrl + ", state in " + runDir + ")";
    }

    @Override
    public void close() {
        if (!started) {
            return;
        }
        try {
            run("down");
        } catch (IOException | RuntimeException e) {
            log.println("stopping the bench's stack failed: " + e.getMessage() + " (LOGITSTREAM_RUN_DIR=" + runDir
                    + " deploy/local/stack.sh down)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        started = false;
    }

    private void run(String action) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("deploy/local/stack.sh").toString(), action)
                .directory(root.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getInputStream().transferTo(log);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("deploy/local/stack.sh " + action + " failed (exit " + p.exitValue()
                    + "); logs under " + runDir);
        }
    }

    /** Deletes a folder and everything in it (nothing when it does not exist). */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
