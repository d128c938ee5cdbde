package io.logitstream.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local broker and registry, each its own JVM, started and stopped by
 * {@code deploy/local/stack.sh} (which waits until both are ready and fails clearly when a port is
 * taken). One implementation of "start the stack" serves the scripts and {@code up}.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

    private final Path root;
    private boolean started;

    public LocalStack(Path root) {
        this.root = root;
    }

    public void up() throws IOException, InterruptedException {
        run("up");
        started = true;
    }

    @Override
    public void close() {
        if (!started) {
            return;
        }
        try {
            run("down");
        } catch (IOException | RuntimeException e) {
            log.warn("Stopping the local stack failed: {} (run deploy/local/stack.sh down)", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        started = false;
    }

    private void run(String action) throws IOException, InterruptedException {
        Path script = root.resolve("deploy/local/stack.sh");
        if (!Files.isExecutable(script)) {
            throw new IllegalStateException("Missing " + script + ": run from a LogitStream checkout");
        }
        Process process = new ProcessBuilder(List.of("bash", script.toString(), action))
                .directory(root.toFile()).inheritIO().start();
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IllegalStateException("deploy/local/stack.sh " + action + " failed (exit " + exit
                    + "); see the messages above and the logs under .run/");
        }
    }

    /** The checkout root: -Dlogitstream.root (set by ./logitstream), else the working directory. */
    public static Path root() {
        String configured = System.getProperty("logitstream.root");
        return Path.of(configured != null ? configured : ".").toAbsolutePath().normalize();
    }
}
