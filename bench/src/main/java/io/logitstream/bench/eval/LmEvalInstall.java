package io.logitstream.bench.eval;

import io.logitstream.bench.PythonReference;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * lm-evaluation-harness in the bench's venv, from the local wheel mirrors (no index is reachable).
 * lm_eval 0.4.13 declares evaluate, pytablewriter, rouge-score, sqlitedict and word2number, which the
 * mirrors do not have; it imports them only for features this bench does not use (Hugging Face
 * evaluate metrics, the printed results table, the request cache, some tasks' metrics), so it is
 * installed with {@code --no-deps} and the dependencies that the hf backend and a local
 * multiple_choice task import.
 */
final class LmEvalInstall {
    static final String LM_EVAL = "lm_eval==0.4.13";
    static final List<String> DEPENDENCIES = List.of("accelerate", "datasets", "jinja2", "sacrebleu", "scikit-learn",
            "dill", "more_itertools", "tqdm");

    private LmEvalInstall() {
    }

    static void ensure(Path python, Map<String, String> env, PrintStream log) throws IOException, InterruptedException {
        if (importable(python, env)) {
            return;
        }
        log.println("installing " + LM_EVAL + " (--no-deps) and " + DEPENDENCIES + " into the venv from the local"
                + " wheel mirrors ...");
        pip(python, env, log, DEPENDENCIES, false);
        pip(python, env, log, List.of(LM_EVAL), true);
        if (!importable(python, env)) {
            throw new IllegalStateException("lm_eval is installed but its hf backend does not import: run "
                    + python + " -c 'from lm_eval.models.huggingface import HFLM' to see why");
        }
    }

    private static boolean importable(Path python, Map<String, String> env) throws InterruptedException {
        try {
            PythonReference.runScript(python, List.of("-c", "import lm_eval, lm_eval.tasks, accelerate;"
                    + " from lm_eval.models.huggingface import HFLM; assert lm_eval.__version__ == '0.4.13'"), env,
                    System.err);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void pip(Path python, Map<String, String> env, PrintStream log, List<String> packages,
            boolean noDeps) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-m", "pip", "install", "-q", "--no-index"));
        for (String dir : PythonReference.WHEEL_DIRS) {
            args.add("--find-links");
            args.add(dir);
        }
        if (noDeps) {
            args.add("--no-deps");
        }
        args.addAll(packages);
        for (String line : PythonReference.runScript(python, args, env, log)) {
            log.println("  " + line);
        }
    }
}
