package io.logitstream.bench;

import io.logitstream.worker.engine.ModelArchitectures;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bench checkpoints (random weights, made by {@code bench/python/make_models.py}): which ones
 * a run can bench, and making them.
 */
public final class BenchModels {
    /** Bench checkpoint name -> its model_type. */
    public static final Map<String, String> MODEL_TYPES = new LinkedHashMap<>();

    static {
        MODEL_TYPES.put("gpt2-124m", "gpt2");
        MODEL_TYPES.put("qwen2-98m", "qwen2");
        MODEL_TYPES.put("gpt2-overhead", "gpt2");
        // not in DEFAULT_MODELS, so that runs without --models stay comparable with the earlier ones
        MODEL_TYPES.put("glm-101m", "glm");
        MODEL_TYPES.put("qwen2-98m-cls", "qwen2");
    }

    /** Benched when --models is not given. */
    public static final List<String> DEFAULT_MODELS = List.of("gpt2-124m", "qwen2-98m");

    /** Bench checkpoints with a sequence-classification head (Qwen2ForSequenceClassification): CLASSIFY workloads. */
    public static final Set<String> CLASSIFIERS = Set.of("qwen2-98m-cls");

    public static boolean isClassifier(String name) {
        return CLASSIFIERS.contains(name);
    }

    /** The checkpoints asked for that the engine supports, and why the others are skipped. */
    public record Selection(List<String> benched, List<String> skipped) {
    }

    /**
     * The checkpoints a run serves, by name: the folders given, and the bench checkpoints asked for (or the
     * defaults when no folder is given) that the engine supports.
     *
     * @param toMake  the bench checkpoints among them (to create under {@code modelsDir} when missing)
     * @param skipped the bench checkpoints asked for that the engine does not support, and why
     */
    public record Served(Map<String, Path> dirs, List<String> toMake, List<String> skipped) {
    }

    private BenchModels() {
    }

    /**
     * Resolves {@code --models} and {@code --model DIR}: the folders as given; the bench checkpoints named (default
     * {@code defaults}) when names are given or no folder is.
     */
    public static Served resolve(List<String> names, List<Path> folders, List<String> defaults, Path modelsDir,
            PrintStream log) {
        Map<String, Path> dirs = new LinkedHashMap<>();
        if (folders != null) {
            folders.forEach(d -> dirs.put(d.toAbsolutePath().normalize().getFileName().toString(),
                    d.toAbsolutePath().normalize()));
        }
        List<String> toMake = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        if (names != null || folders == null) {
            Selection selection = select(names != null ? names : defaults, log);
            skipped.addAll(selection.skipped());
            toMake.addAll(selection.benched());
            selection.benched().forEach(m -> dirs.put(m, modelsDir.resolve(m)));
        }
        if (dirs.isEmpty()) {
            throw new IllegalArgumentException("nothing to bench: " + skipped);
        }
        return new Served(dirs, toMake, skipped);
    }

    public static Selection select(List<String> wanted, PrintStream log) {
        List<String> benched = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String m : wanted) {
            String type = MODEL_TYPES.get(m);
            if (type == null) {
                throw new IllegalArgumentException("unknown bench model '" + m + "' (known: " + MODEL_TYPES.keySet()
                        + ")");
            }
            if (ModelArchitectures.supported().contains(type)) {
                benched.add(m);
            } else {
                skipped.add(m + " (model_type " + type + " is not in ModelArchitectures yet: "
                        + ModelArchitectures.supported() + ")");
                log.println("skipping " + skipped.get(skipped.size() - 1));
            }
        }
        return new Selection(benched, skipped);
    }

    /** Creates the checkpoints under {@code modelsDir} (kept between runs; ~10 s each when missing). */
    public static void make(Path python, Path root, Path modelsDir, List<String> names, Map<String, String> env,
            PrintStream log) throws IOException, InterruptedException {
        if (names.isEmpty()) {
            return;
        }
        log.println("checkpoints (random weights) in " + modelsDir + " ...");
        List<String> args = new ArrayList<>(List.of(root.resolve("bench/python/make_models.py").toString(),
                "--out", modelsDir.toString(), "--models"));
        args.addAll(names);
        for (String line : PythonReference.runScript(python, args, env, log)) {
            log.println("  " + line);
        }
    }
}
