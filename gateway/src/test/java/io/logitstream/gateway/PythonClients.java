package io.logitstream.gateway;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Python venv with the real clients (the openai SDK; lm-evaluation-harness with torch and
 * transformers for its hf backend), installed from the local wheel mirrors, never from an index.
 * Kept between runs (default {@code ~/.cache/logitstream/gateway-clients-venv}, or
 * {@code -Dlogitstream.gateway.venv=DIR}): only the first run installs. A test that needs what is
 * not installed yet is skipped, with a message, where there is no python3 or no mirror.
 */
final class PythonClients {

    /** The JUnit tag of the tests that run Python clients: {@code -DexcludedGroups=python-clients} leaves them out. */
    static final String TAG = "python-clients";
    /** The mirrors: {@code -Dlogitstream.gateway.wheels=DIR,DIR} names others. */
    static final List<String> WHEEL_DIRS = List.of(System.getProperty("logitstream.gateway.wheels",
            "/opt/wheels,/opt/pypi/files,/opt/pypi-more/files").split(","));
    static final List<String> OPENAI = List.of("openai");
    /**
     * lm_eval 0.4.13 declares dependencies the mirrors lack (evaluate, pytablewriter, rouge-score,
     * sqlitedict, word2number), used only by features these checks do not touch; so it goes in with
     * --no-deps, after what its hf and local-completions backends and a local multiple_choice task
     * import. torch, transformers and tokenizers are pinned as fixtures/make_fixtures.sh pins them.
     */
    static final List<String> LM_EVAL_DEPENDENCIES = List.of("torch==2.13.0+cpu", "transformers==5.18.0",
            "tokenizers==0.23.2", "safetensors==0.8.0", "accelerate", "datasets", "jinja2", "sacrebleu",
            "scikit-learn", "dill", "more_itertools", "tqdm", "aiohttp", "tenacity", "requests");
    static final String LM_EVAL = "lm_eval==0.4.13";

    private final Path venv;

    private PythonClients(Path venv) {
        this.venv = venv;
    }

    /** The venv, created if missing; skips the calling test where it cannot be made. */
    static PythonClients venv() throws IOException, InterruptedException {
        Path venv = Path.of(System.getProperty("logitstream.gateway.venv",
                System.getProperty("user.home") + "/.cache/logitstream/gateway-clients-venv"));
        if (!Files.isExecutable(venv.resolve("bin/python"))) {
            assumeMirror();
            assumeTrue(exec(List.of("python3", "--version"), Map.of(), 60).exit() == 0,
                    "skipped: no python3 on the PATH to make the venv of the Python clients with");
            Files.createDirectories(venv.getParent());
            require(exec(List.of("python3", "-m", "venv", venv.toString()), Map.of(), 300), "python3 -m venv");
        }
        return new PythonClients(venv);
    }

    /**
     * Installs {@code packages} (then {@code noDeps} without their dependencies) unless
     * {@code importCheck}, a Python statement, already runs: a venv made earlier serves without a mirror.
     */
    PythonClients ensure(String importCheck, List<String> packages, List<String> noDeps)
            throws IOException, InterruptedException {
        if (exec(List.of(python(), "-c", importCheck), Map.of(), 300).exit() == 0) {
            return this;
        }
        assumeMirror();
        System.err.println("installing " + packages + " " + noDeps + " into " + venv + " from the local mirrors...");
        require(exec(pip(packages, false), Map.of(), 1800), "pip install " + packages);
        if (!noDeps.isEmpty()) {
            require(exec(pip(noDeps, true), Map.of(), 600), "pip install --no-deps " + noDeps);
        }
        require(exec(List.of(python(), "-c", importCheck), Map.of(), 300), "python -c '" + importCheck + "'");
        return this;
    }

    private static void assumeMirror() {
        assumeTrue(WHEEL_DIRS.stream().anyMatch(d -> Files.isDirectory(Path.of(d))), "skipped: no local wheel mirror "
                + WHEEL_DIRS + " to install the Python clients from (-Dlogitstream.gateway.wheels=DIR,DIR names one)");
    }

    /** Runs a script; its stdout, or a failure with the end of its stderr. */
    String run(Path script, List<String> args, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(python(), script.toString()));
        command.addAll(args);
        return require(exec(command, env, timeoutSeconds), script.getFileName().toString());
    }

    private String python() {
        return venv.resolve("bin/python").toString();
    }

    private List<String> pip(List<String> packages, boolean noDeps) {
        List<String> command = new ArrayList<>(List.of(python(), "-m", "pip", "install", "-q", "--no-index"));
        WHEEL_DIRS.stream().filter(d -> Files.isDirectory(Path.of(d))).forEach(d -> {
            command.add("--find-links");
            command.add(d);
        });
        if (noDeps) {
            command.add("--no-deps");
        }
        command.addAll(packages);
        return command;
    }

    record Outcome(int exit, String stdout, String stderr) {
    }

    private static String require(Outcome outcome, String what) {
        if (outcome.exit() != 0) {
            String err = outcome.stderr();
            throw new AssertionError(what + " failed (exit " + outcome.exit() + "):\n"
                    + err.substring(Math.max(0, err.length() - 6000)));
        }
        return outcome.stdout();
    }

    private static Outcome exec(List<String> command, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("py-out", ".txt");
        Path err = Files.createTempFile("py-err", ".txt");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                return new Outcome(127, "", e.getMessage());
            }
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Outcome(124, Files.readString(out), Files.readString(err) + "\n(timed out after "
                        + timeoutSeconds + " s)");
            }
            return new Outcome(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
