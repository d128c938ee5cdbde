package io.logitstream.app.recovery;

import io.logitstream.app.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code logitstream <command>} as its own JVM, on the test's class path, logging to a file, so
 * a test can {@code kill -9} it ({@link Process#destroyForcibly()}: no shutdown hook, no leave, no
 * last commit). The java process is started directly, not under a shell, so the signal hits the
 * JVM. {@link #close()} kills what is still running.
 */
final class LogitstreamProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private LogitstreamProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static LogitstreamProcess start(List<String> args, Path log) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-Dfile.encoding=UTF-8"));
        // The DJL switches the test JVM runs with (ai.djl.offline=true from the poms).
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("ai.djl."))
                .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().putIfAbsent("PYTORCH_FLAVOR", "cpu");
        builder.environment().putIfAbsent("OPT_OUT_TRACKING", "true");
        String djlCache = System.getenv("DJL_CACHE_DIR");
        if (djlCache != null) {
            builder.environment().putIfAbsent("ENGINE_CACHE_DIR", djlCache);
        }
        try {
            return new LogitstreamProcess(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command, e);
        }
    }

    /** SIGKILL, then waits until the process is gone. */
    void killHard() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("process " + process.pid() + " survived SIGKILL for 30 s");
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until the log has a line containing {@code text}; returns when, in nanoTime, it was seen. */
    long awaitLog(String text, long deadlineNanos) throws InterruptedException {
        while (System.nanoTime() < deadlineNanos) {
            if (readLog().contains(text)) {
                return System.nanoTime();
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("process exited (" + process.exitValue() + ") before logging '"
                        + text + "':\n" + tail());
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no '" + text + "' in " + log + " in time:\n" + tail());
    }

    String tail() {
        String[] lines = readLog().split("\n");
        return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 60), lines.length));
    }

    private String readLog() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            killHard();
        }
    }
}
