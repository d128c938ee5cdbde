package io.logitstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Hugging Face transformers side: a Python child process ({@code bench/python/hf_bench.py})
 * driven over a line protocol (one JSON request, one JSON response), so that the Java command can
 * alternate repetitions between the two engines. Also creates the virtual environment the same way
 * {@code fixtures/make_fixtures.sh} does when it is missing.
 */
public final class PythonReference implements AutoCloseable {
    /** The versions fixtures/make_fixtures.sh pins (from the local wheel mirrors). */
    static final List<String> PINS = List.of("torch==2.13.0+cpu", "transformers==5.18.0", "tokenizers==0.23.2",
            "safetensors==0.8.0");
    public static final List<String> WHEEL_DIRS = List.of("/opt/wheels", "/opt/pypi/files", "/opt/pypi-more/files");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;
    private final Deque<String> stderrTail = new ArrayDeque<>();

    private PythonReference(Process process, boolean echo, PrintStream log) {
        this.process = process;
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Thread drain = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(
                    new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    synchronized (stderrTail) {
                        stderrTail.addLast(line);
                        if (stderrTail.size() > 40) {
                            stderrTail.removeFirst();
                        }
                    }
                    if (echo) {
                        log.println("  [python] " + line);
                    }
                }
            } catch (IOException e) {
                // process gone
            }
        }, "hf-bench-stderr");
        drain.setDaemon(true);
        drain.start();
    }

    /**
     * Makes sure {@code venv} has torch, transformers, tokenizers and safetensors: creates it with
     * {@code python3 -m venv} and installs the pinned versions from the local wheel mirrors when needed.
     *
     * @return the venv's python
     */
    public static Path ensureVenv(Path venv, String bootstrapPython, PrintStream log) throws IOException,
            InterruptedException {
        Path py = venv.resolve("bin").resolve("python");
        if (!Files.isExecutable(py)) {
            log.println("creating the Python venv " + venv + " ...");
            exec(List.of(bootstrapPython, "-m", "venv", venv.toString()), log);
        }
        if (execQuiet(List.of(py.toString(), "-c", "import torch, transformers, tokenizers, safetensors")) != 0) {
            log.println("installing " + String.join(" ", PINS) + " into " + venv + " from the local wheel mirrors ...");
            List<String> cmd = new ArrayList<>(List.of(venv.resolve("bin").resolve("pip").toString(), "install",
                    "--no-index"));
            for (String dir : WHEEL_DIRS) {
                cmd.add("--find-links");
                cmd.add(dir);
            }
            cmd.addAll(PINS);
            exec(cmd, log);
        }
        return py;
    }

    /** Runs a script to completion, returning its stdout lines (stderr goes to {@code log}). */
    public static List<String> runScript(Path python, List<String> args, Map<String, String> env, PrintStream log)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(python.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        }
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed with exit code " + p.exitValue()
                    + " (run it by hand to see its error output)");
        }
        return lines;
    }

    /** Starts the reference process ({@code python -u script}). */
    public static PythonReference start(Path python, Path script, Map<String, String> env, boolean echo,
            PrintStream log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-u", script.toString());
        pb.environment().putAll(env);
        return new PythonReference(pb.start(), echo, log);
    }

    public long pid() {
        return process.pid();
    }

    /** Sends one request and waits for its response; a failed request throws with the Python error. */
    public JsonNode call(ObjectNode request) throws IOException {
        in.write(JSON.writeValueAsString(request));
        in.write('\n');
        in.flush();
        String line = out.readLine();
        if (line == null) {
            throw new IOException("the Python reference process exited" + tail());
        }
        JsonNode resp = JSON.readTree(line);
        if (!resp.path("ok").asBoolean()) {
            throw new IOException("Python reference: " + resp.path("error").asText() + " (request "
                    + request.path("cmd").asText() + ")" + tail());
        }
        return resp;
    }

    public static ObjectNode request(String cmd) {
        ObjectNode n = JSON.createObjectNode();
        n.put("cmd", cmd);
        return n;
    }

    public static ArrayNode idsJson(List<int[]> seqs) {
        ArrayNode a = JSON.createArrayNode();
        for (int[] s : seqs) {
            ArrayNode row = a.addArray();
            for (int v : s) {
                row.add(v);
            }
        }
        return a;
    }

    private String tail() {
        synchronized (stderrTail) {
            return stderrTail.isEmpty() ? "" : "; its last output:\n  " + String.join("\n  ", stderrTail);
        }
    }

    @Override
    public void close() {
        try {
            call(request("quit"));
        } catch (IOException | RuntimeException e) {
            // already gone
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
            }
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
        }
    }

    private static void exec(List<String> cmd, PrintStream log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                log.println("  " + line);
            }
        }
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed with exit code " + p.exitValue());
        }
    }

    private static int execQuiet(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return p.waitFor();
    }
}
