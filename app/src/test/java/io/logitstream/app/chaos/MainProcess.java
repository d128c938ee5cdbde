package io.logitstream.app.chaos;

import io.logitstream.app.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code logitstream <command> ...} JVM started from the test JVM's class path, so it can be
 * killed the way a machine dies ({@link #killHard()}: SIGKILL, no shutdown hook, no last commit).
 * Output goes to a log file, whose tail a failing test prints.
 *
 * <p>The java process is started directly (not under a shell) so that {@link Process#destroyForcibly()}
 * hits the JVM itself. A separate shell watchdog, holding a pipe from this JVM, SIGKILLs the child
 * should the test JVM die without cleaning up, so no orphan keeps running on a shared machine.
 */
final class MainProcess implements AutoCloseable {

    private static final int LOG_TAIL_LINES = 80;

    private final Process process;
    private final Process watchdog;
    private final Path log;

    MainProcess(Process process, Process watchdog, Path log) {
        this.process = process;
        this.watchdog = watchdog;
        this.log = log;
    }

    /** Starts {@code logitstream <arguments>} in its own JVM, logging to {@code log}. */
    static MainProcess start(List<String> arguments, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command(arguments))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        djlEnvironment(builder.environment());
        try {
            Files.createDirectories(log.getParent());
            Process process = builder.start();
            return new MainProcess(process, startWatchdog(process.pid()), log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start: " + String.join(" ", command(arguments)), e);
        }
    }

    private static List<String> command(List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-XX:+UseSerialGC"); // two shared cores: no parallel GC threads competing with the broker
        command.add("-Dfile.encoding=UTF-8");
        // The DJL switches the test JVM runs with (ai.djl.offline=true from the poms), same for the child,
        // and a logging configuration of its own if one is given (-Dlogback.configurationFile=...: to
        // see what Kafka's clients do inside a child, whose default is WARN).
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("ai.djl.") || k.equals("logback.configurationFile"))
                .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(arguments);
        return command;
    }

    /** The test JVM's DJL environment (set by surefire), with the poms' values where it has none. */
    private static void djlEnvironment(Map<String, String> env) {
        env.putIfAbsent("PYTORCH_FLAVOR", "cpu");
        env.putIfAbsent("OPT_OUT_TRACKING", "true");
        String cache = System.getenv("DJL_CACHE_DIR");
        if (cache != null) {
            env.putIfAbsent("ENGINE_CACHE_DIR", cache);
        }
    }

    /** {@code sh} blocks reading a pipe only this JVM writes to; when this JVM dies the read ends. */
    private static Process startWatchdog(long workerPid) throws IOException {
        return new ProcessBuilder("/bin/sh", "-c", "read -r _; kill -9 " + workerPid + " 2>/dev/null")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectErrorStream(true)
                .start();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: the process gets no chance to finish, commit or leave its group. Waits until it is gone. */
    void killHard() {
        watchdog.destroy(); // first, so it can never signal a pid the system has since reused
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("process " + process.pid() + " survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing " + process.pid(), e);
        }
    }

    /**
     * Waits until the process's output contains {@code line}, and returns when it was seen (epoch
     * milliseconds, within a poll of 20 ms). Fails if the process ends or {@code timeout} passes first.
     */
    long awaitLog(String line, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!logContains(line)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException((process.isAlive() ? "no \"" + line + "\" within " + timeout
                        : "process " + process.pid() + " ended before \"" + line + "\"") + "; " + log + ":\n"
                        + logTail());
            }
            Thread.sleep(20);
        }
        return System.currentTimeMillis();
    }

    private boolean logContains(String line) {
        try {
            return Files.readString(log, StandardCharsets.ISO_8859_1).contains(line);
        } catch (IOException e) {
            return false; // not written yet
        }
    }

    Path logFile() {
        return log;
    }

    /** The last lines of the process's output, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(could not read " + log + ": " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            killHard();
        } else {
            watchdog.destroy();
        }
    }
}
