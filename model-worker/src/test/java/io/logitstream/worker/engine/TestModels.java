package io.logitstream.worker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fixture access shared by all engine and CLI tests. Each fixture checkpoint is loaded once per
 * JVM, so DJL's native startup and the weight loads are paid once for the whole test run.
 */
public final class TestModels {
    /**
     * Every checkpoint under fixtures/models with a golden file, in a stable order. The InternLM2
     * goldens are those of the fixtures they were re-saved from (fixtures/make_internlm2_fixtures.py), and
     * tiny-chatglm's is tiny-glm's (fixtures/make_glm_fixtures.py);
     * the {@code -bnb8} ones are bitsandbytes 8-bit saves with goldens of their dequantized weights
     * (fixtures/make_int8_fixtures.py). {@code trained-llama} is the one trained checkpoint (peaked
     * distributions like a real model's; fixtures/make_trained_fixture.py).
     */
    public static final List<String> FIXTURES = List.of("tiny-gpt2", "tiny-llama", "tiny-mistral", "tiny-qwen2",
            "tiny-qwen2-moe", "variant-llama-linear", "variant-llama-dynamic", "variant-llama-mqa-bias",
            "variant-qwen2-window", "variant-qwen2moe-norm", "tiny-internlm2", "variant-internlm2-dynamic",
            "tiny-glm", "tiny-glm4", "tiny-chatglm", "tiny-llama-bnb8", "tiny-qwen2-moe-bnb8",
            "trained-llama", "tiny-xcomposer2");

    private static final Map<String, LoadedModel> MODELS = new HashMap<>();
    private static final Map<String, JsonNode> GOLDENS = new HashMap<>();

    static {
        // The fixtures are tiny: PyTorch's second intra-op thread buys nothing, and on a busy 2-core
        // machine every parallel region (full-vocab ops) can wait a scheduler slice for it: the golden
        // tests took 72 s with 2 threads and 11 s with 1 while a benchmark ran beside them.
        // -Dlogitstream.test.threads=N overrides.
        ai.djl.engine.Engine.getEngine("PyTorch");
        ai.djl.pytorch.jni.JniUtils.setNumThreads(Integer.getInteger("logitstream.test.threads", 1));
    }

    private TestModels() {
    }

    /** The repository root (surefire sets {@code logitstream.root}; fall back to walking up). */
    public static Path root() {
        String prop = System.getProperty("logitstream.root");
        if (prop != null) {
            return Paths.get(prop);
        }
        Path p = Paths.get("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("fixtures"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the repository root (no fixtures/ above the working dir)");
        }
        return p;
    }

    public static Path tinyGpt2Dir() {
        return root().resolve("fixtures/models/tiny-gpt2");
    }

    public static synchronized LoadedModel tinyGpt2() {
        return model("tiny-gpt2");
    }

    public static synchronized JsonNode tinyGpt2Golden() {
        return golden("tiny-gpt2");
    }

    public static Path modelDir(String name) {
        return root().resolve("fixtures/models/" + name);
    }

    /** A fixture checkpoint, loaded once per JVM (on the CPU, fp32); do not close it. */
    public static synchronized LoadedModel model(String name) {
        return MODELS.computeIfAbsent(name, n -> ModelLoader.load(modelDir(n)));
    }

    /** {@code fixtures/golden/<name>.json}, parsed once per JVM. */
    public static synchronized JsonNode golden(String name) {
        return GOLDENS.computeIfAbsent(name, n -> readJson(root().resolve("fixtures/golden/" + n + ".json")));
    }

    public static JsonNode readJson(Path p) {
        try {
            return new ObjectMapper().readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    public static JsonNode goldenCase(JsonNode golden, String name) {
        for (JsonNode c : golden.get("cases")) {
            if (name.equals(c.get("name").asText())) {
                return c;
            }
        }
        throw new IllegalArgumentException("no golden case " + name);
    }
}
