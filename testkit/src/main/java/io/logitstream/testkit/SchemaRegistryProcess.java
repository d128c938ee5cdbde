package io.logitstream.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Confluent-compatible schema registry for tests: the Apicurio Registry runner built by
 * {@code deploy/registry} ({@code target/quarkus-app/quarkus-run.jar}), started as a child JVM on a
 * free port. {@link #start()} keeps its schemas in memory (every instance starts empty, fast);
 * {@link #startPersistent(Path)} keeps them in an H2 file database, as the local stack does, so
 * that {@link #restart()} and {@link #killAndRestart()} bring back the same schemas under the same
 * ids.
 *
 * <pre>{@code
 * try (SchemaRegistryProcess registry = SchemaRegistryProcess.start()) {
 *   String url = registry.url(); // http://localhost:PORT/apis/ccompat/v7
 * }
 * }</pre>
 *
 * <p>The child is stopped by {@link #close()}, by a JVM shutdown hook, and, should this JVM be
 * killed outright, by a small shell watchdog that stops it once this JVM's end of its stdin pipe
 * closes. The repository root is taken from the system property {@code logitstream.root} (set by
 * the parent pom's surefire configuration), else found by walking up from the working directory;
 * {@code logitstream.registry.jar} overrides the runner's path.
 */
public final class SchemaRegistryProcess implements AutoCloseable {

  /** Path of the ccompat API under the registry's root. */
  public static final String CCOMPAT_PATH = "/apis/ccompat/v7";

  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  private static final int PORT_ATTEMPTS = 3;
  private static final int LOG_TAIL_LINES = 60;

  private final Process process;
  private final int port;
  private final Path log;
  /** The H2 database directory, or null for in-memory storage. */
  private final Path dataDir;
  private final Duration timeout;
  private final Thread shutdownHook;
  private volatile boolean closed;
  private boolean stopped;

  private SchemaRegistryProcess(Process process, int port, Path log, Path dataDir, Duration timeout) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.dataDir = dataDir;
    this.timeout = timeout;
    this.shutdownHook = new Thread(this::stopProcess, "logitstream-registry-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a registry on a free port and waits (up to 60 s) until its ccompat API answers. */
  public static SchemaRegistryProcess start() {
    return start(DEFAULT_TIMEOUT);
  }

  /** Starts a registry on a free port and waits up to {@code timeout} until it answers. */
  public static SchemaRegistryProcess start(Duration timeout) {
    return startOnFreePort(null, timeout);
  }

  /**
   * Starts a registry that keeps its schemas in an H2 file database in {@code dataDir} (created
   * when missing; an existing one is reused, with its schemas and ids).
   */
  public static SchemaRegistryProcess startPersistent(Path dataDir) {
    return startOnFreePort(dataDir, DEFAULT_TIMEOUT);
  }

  /** The JDBC URL of the file database in {@code dataDir}, as deploy/local/registry.sh builds it. */
  public static String h2FileUrl(Path dataDir) {
    return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("registry") + ";WRITE_DELAY=0;FILE_LOCK=FS";
  }

  /**
   * Stops this registry (SIGTERM) and starts a new one on the same port with the same storage:
   * the same schemas and ids when it is persistent, an empty registry when it is in memory.
   * This instance is closed; use the returned one.
   */
  public SchemaRegistryProcess restart() {
    close();
    return startOn(runnerJar(), port, timeout, dataDir);
  }

  /** Like {@link #restart()}, but kills the registry outright first (SIGKILL, as kill -9 does). */
  public SchemaRegistryProcess killAndRestart() {
    kill();
    return startOn(runnerJar(), port, timeout, dataDir);
  }

  /**
   * Starts a registry again on the port and storage of one that was killed or closed: for an
   * outage that lasts while a test does something else ({@link #kill()}, then this).
   */
  public SchemaRegistryProcess startAgain() {
    if (!closed) {
      throw new IllegalStateException("the registry on port " + port + " is still running");
    }
    return startOn(runnerJar(), port, timeout, dataDir);
  }

  /** Kills the registry outright (SIGKILL), as a crash would; this instance is closed. */
  public void kill() {
    killProcess();
    close();
  }

  private static SchemaRegistryProcess startOnFreePort(Path dataDir, Duration timeout) {
    Path jar = runnerJar();
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
      int port = freePort();
      try {
        return startOn(jar, port, timeout, dataDir);
      } catch (PortTakenException e) {
        last = new IllegalStateException(e.getMessage());
      }
    }
    throw last;
  }

  /** {@code http://localhost:PORT/apis/ccompat/v7}: the Confluent-compatible API. */
  public String url() {
    return baseUrl() + CCOMPAT_PATH;
  }

  /** {@code http://localhost:PORT}. */
  public String baseUrl() {
    return "http://localhost:" + port;
  }

  public int port() {
    return port;
  }

  /** The child's stdout and stderr (deleted on a clean {@link #close()}). */
  public Path logFile() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Stops the registry (SIGTERM, then SIGKILL after 10 s). Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopProcess();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook runs (or ran) anyway
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a temp file; not worth failing a test over
    }
  }

  private synchronized void killProcess() {
    if (stopped) {
      return;
    }
    stopped = true;
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      for (ProcessHandle h : tree) {
        h.onExit().get(10, TimeUnit.SECONDS);
      }
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the killed registry did not exit within 10 s", e);
    }
  }

  private synchronized void stopProcess() {
    if (stopped) {
      return;
    }
    stopped = true;
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    // Closing the watchdog's stdin makes it SIGTERM the JVM; destroy() also SIGTERMs the shell.
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // already closed
    }
    tree.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      for (ProcessHandle h : tree) {
        if (h.isAlive()) {
          h.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      tree.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static SchemaRegistryProcess startOn(Path jar, int port, Duration timeout, Path dataDir) {
    Path log;
    try {
      log = Files.createTempFile("logitstream-registry-" + port + "-", ".log");
      if (dataDir != null) {
        Files.createDirectories(dataDir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> java = new ArrayList<>();
    java.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    java.add("-Xms64m");
    java.add("-Xmx384m");
    java.add("-XX:TieredStopAtLevel=1"); // short-lived: start fast rather than peak throughput
    java.add("-Djava.awt.headless=true");
    java.add("-Dquarkus.http.host=localhost");
    java.add("-Dquarkus.http.port=" + port);
    if (dataDir != null) {
      java.add("-Dquarkus.datasource.jdbc.url=" + h2FileUrl(dataDir));
    }
    java.add("-jar");
    java.add(jar.toString());

    List<String> command = new ArrayList<>();
    Path sh = Paths.get("/bin/sh");
    if (Files.isExecutable(sh)) {
      // Watchdog: the JVM runs in the background; a subshell blocks on the pipe that is this
      // JVM's handle on the child's stdin and SIGTERMs the registry when that pipe closes, which
      // happens on close() and also when this JVM dies without running shutdown hooks.
      command.add(sh.toString());
      command.add("-c");
      command.add(
          "exec 3<&0 </dev/null; \"$@\" & child=$!; "
              + "(read -r _ <&3; kill \"$child\" 2>/dev/null) & "
              + "trap 'kill \"$child\" 2>/dev/null' TERM INT; "
              + "wait \"$child\"; rc=$?; wait \"$child\" 2>/dev/null; exit $rc");
      command.add("logitstream-registry");
      command.addAll(java);
    } else {
      command.addAll(java);
    }
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + String.join(" ", command), e);
    }
    SchemaRegistryProcess registry = new SchemaRegistryProcess(process, port, log, dataDir, timeout);
    try {
      registry.awaitReady(timeout);
      return registry;
    } catch (RuntimeException e) {
      registry.stopProcess();
      Runtime.getRuntime().removeShutdownHook(registry.shutdownHook);
      throw e;
    }
  }

  private void awaitReady(Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest probe =
        HttpRequest.newBuilder(URI.create(url() + "/subjects"))
            .timeout(Duration.ofSeconds(2))
            .GET()
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        String tail = logTail();
        if (tail.contains("Port already bound") || tail.contains("Address already in use")) {
          throw new PortTakenException("port " + port + " was taken before the registry bound it");
        }
        throw new IllegalStateException(
            "the schema registry exited during startup (code " + process.exitValue() + "); log "
                + log + ":\n" + tail);
      }
      try {
        HttpResponse<Void> response = http.send(probe, HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the schema registry", e);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the schema registry did not answer 200 on " + url() + "/subjects within " + timeout
                + "; log " + log + ":\n" + logTail());
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the schema registry", e);
      }
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(
          "\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(could not read " + log + ": " + e + ")";
    }
  }

  /** The runner jar: {@code logitstream.registry.jar}, else under the repository root. */
  static Path runnerJar() {
    String explicit = System.getProperty("logitstream.registry.jar");
    Path jar;
    if (explicit != null && !explicit.isBlank()) {
      jar = Paths.get(explicit);
    } else {
      jar =
          repositoryRoot()
              .resolve("deploy/registry/target/quarkus-app/quarkus-run.jar")
              .toAbsolutePath()
              .normalize();
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "the Apicurio registry runner is missing: " + jar
              + " (build it with: mvn -pl deploy/registry package, from the repository root)");
    }
    return jar;
  }

  /**
   * The repository root: system property {@code logitstream.root} if it names a directory holding
   * {@code deploy/registry}, else the nearest ancestor of the working directory that does.
   */
  static Path repositoryRoot() {
    String property = System.getProperty("logitstream.root");
    if (property != null && !property.isBlank()) {
      Path root = Paths.get(property).toAbsolutePath().normalize();
      if (Files.isDirectory(root.resolve("deploy/registry"))) {
        return root;
      }
    }
    Path start = Paths.get("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("deploy/registry"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "cannot find the LogitStream repository root (a directory containing deploy/registry) "
            + "from logitstream.root=" + property + " or the working directory " + start);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free TCP port", e);
    }
  }

  private static final class PortTakenException extends RuntimeException {
    PortTakenException(String message) {
      super(message);
    }
  }
}
