package io.logitstream.worker.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.TestModels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole-checkpoint loading for the new architectures: sharded weights, both config.json layouts,
 * clear errors for broken checkpoints, stable fingerprints.
 */
class CheckpointLoadingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int[] IDS = {9707, 1879, 11, 419, 374, 264, 13673, 1273, 13};

    @TempDir
    Path tmp;

    private static float[] logits(CausalLanguageModel model, int[] ids) {
        try (NDManager scope = model.manager().newSubManager();
                ForwardOutput out = model.forward(ForwardInput.of(ids), scope)) {
            return out.logits().toFloatArray();
        }
    }

    /** Bit-identical (not via containsExactly: its diff of a million-element mismatch takes minutes). */
    private static void assertIdentical(float[] actual, float[] expected) {
        assertThat(actual.length).isEqualTo(expected.length);
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        assertThat(max).as("max |difference|").isZero();
    }

    /** Copies the non-weight files of a fixture (tokenizer.json through its symlink). */
    private static Path copyWithoutWeights(String fixture, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (var files = Files.list(TestModels.modelDir(fixture))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!f.getFileName().toString().endsWith(".safetensors")) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        return dir;
    }

    /** Writes the fixture's tensors (raw bytes, any dtype) accepted by {@code keep}, renamed/reshaped by {@code edit}. */
    private static void writeTensors(String fixture, Path file, Predicate<String> keep, Map<String, long[]> reshape)
            throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(TestModels.modelDir(fixture).resolve(Checkpoint.SINGLE_FILE))) {
            for (TensorInfo t : f.tensors().values()) {
                if (!keep.test(t.name())) {
                    continue;
                }
                ByteBuffer data = f.map(t);
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                w.add(t.name(), t.dtype().name(), reshape.getOrDefault(t.name(), t.shape()), bytes);
            }
        }
        w.write(file);
    }

    @Test
    void shardedCheckpointLoadsToIdenticalLogits() throws Exception {
        String fixture = "tiny-qwen2-moe";
        Path dir = copyWithoutWeights(fixture, tmp.resolve("sharded"));
        List<String> names;
        try (SafetensorsFile f = SafetensorsFile.open(TestModels.modelDir(fixture).resolve(Checkpoint.SINGLE_FILE))) {
            names = new ArrayList<>(f.tensors().keySet());
        }
        List<String> first = names.subList(0, names.size() / 2);
        writeTensors(fixture, dir.resolve("model-00001-of-00002.safetensors"), first::contains, Map.of());
        writeTensors(fixture, dir.resolve("model-00002-of-00002.safetensors"), n -> !first.contains(n), Map.of());
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata");
        ObjectNode map = index.putObject("weight_map");
        for (String n : names) {
            map.put(n, first.contains(n) ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), JSON.writeValueAsString(index));

        LoadedModel single = TestModels.model(fixture);
        try (LoadedModel sharded = ModelLoader.load(dir); LoadedModel again = ModelLoader.load(dir)) {
            assertIdentical(logits(sharded.model(), IDS), logits(single.model(), IDS));
            assertThat(sharded.fingerprint()).isEqualTo(again.fingerprint());
            assertThat(sharded.fingerprint()).isNotEqualTo(single.fingerprint());
        }
    }

    @Test
    void loadingTwiceGivesTheSameFingerprint() {
        for (String fixture : List.of("tiny-llama", "variant-llama-dynamic")) {
            try (LoadedModel again = ModelLoader.load(TestModels.modelDir(fixture))) {
                assertThat(again.fingerprint()).isEqualTo(TestModels.model(fixture).fingerprint());
            }
        }
    }

    /** The transformers 5 layout of a Hub-layout config, and back, give bit-identical logits. */
    @Test
    void bothConfigLayoutsGiveIdenticalLogits() throws Exception {
        // tiny-llama: Hub layout (rope_theta + rope_scaling llama3, torch_dtype) -> v5 (rope_parameters, dtype)
        Path v5 = copyWeights("tiny-llama", tmp.resolve("v5"));
        ObjectNode c = (ObjectNode) JSON.readTree(TestModels.modelDir("tiny-llama").resolve("config.json").toFile());
        ObjectNode rope = ((ObjectNode) c.remove("rope_scaling")).put("rope_theta", c.remove("rope_theta").asDouble());
        c.set("rope_parameters", rope);
        c.put("dtype", c.remove("torch_dtype").asText());
        Files.writeString(v5.resolve("config.json"), JSON.writeValueAsString(c));
        int[] ids = {50256, 15496, 995, 11, 428, 318, 257, 7009, 1332, 13};
        try (LoadedModel m = ModelLoader.load(v5)) {
            assertIdentical(logits(m.model(), ids), logits(TestModels.model("tiny-llama").model(), ids));
        }

        // variant-qwen2-window: v5 (layer_types, rope_parameters) -> Hub layout (derived from max_window_layers)
        // variant-llama-dynamic: v5 -> legacy rope_scaling {"type": "dynamic"}
        for (String fixture : List.of("variant-qwen2-window", "variant-llama-dynamic")) {
            Path hub = copyWeights(fixture, tmp.resolve("hub-" + fixture));
            ObjectNode h = (ObjectNode) JSON.readTree(TestModels.modelDir(fixture).resolve("config.json").toFile());
            h.remove("layer_types");
            ObjectNode params = (ObjectNode) h.remove("rope_parameters");
            h.put("rope_theta", params.remove("rope_theta").asDouble());
            String type = params.remove("rope_type").asText();
            if (type.equals("default")) {
                h.putNull("rope_scaling");
            } else {
                h.set("rope_scaling", params.put("type", type));
            }
            h.put("torch_dtype", h.remove("dtype").asText());
            Files.writeString(hub.resolve("config.json"), JSON.writeValueAsString(h));
            int[] raw = new int[40];
            for (int i = 0; i < raw.length; i++) {
                raw[i] = (i * 37 + 11) % 1000;
            }
            try (LoadedModel m = ModelLoader.load(hub)) {
                assertIdentical(logits(m.model(), raw), logits(TestModels.model(fixture).model(), raw));
            }
        }
    }

    private static Path copyWeights(String fixture, Path dir) throws IOException {
        copyWithoutWeights(fixture, dir);
        Files.copy(TestModels.modelDir(fixture).resolve(Checkpoint.SINGLE_FILE), dir.resolve(Checkpoint.SINGLE_FILE));
        return dir;
    }

    @Test
    void brokenCheckpointsFailAtLoadNamingTheTensor() throws Exception {
        String fixture = "tiny-qwen2-moe";
        String expert = "model.layers.2.mlp.experts.3.up_proj.weight";
        Path missing = copyWithoutWeights(fixture, tmp.resolve("missing"));
        writeTensors(fixture, missing.resolve(Checkpoint.SINGLE_FILE), n -> !n.equals(expert), Map.of());
        assertThatThrownBy(() -> ModelLoader.load(missing)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor '" + expert + "' not found");

        String gate = "model.layers.0.mlp.shared_expert_gate.weight";
        Path reshaped = copyWithoutWeights(fixture, tmp.resolve("reshaped"));
        writeTensors(fixture, reshaped.resolve(Checkpoint.SINGLE_FILE), n -> true, Map.of(gate, new long[] {8, 1}));
        assertThatThrownBy(() -> ModelLoader.load(reshaped)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor '" + gate + "'").hasMessageContaining("has shape [8, 1], expected [1, 8]");

        String bias = "model.layers.1.self_attn.q_proj.bias";
        Path noBias = copyWithoutWeights("variant-llama-mqa-bias", tmp.resolve("nobias"));
        writeTensors("variant-llama-mqa-bias", noBias.resolve(Checkpoint.SINGLE_FILE), n -> !n.equals(bias), Map.of());
        assertThatThrownBy(() -> ModelLoader.load(noBias)).hasMessageContaining("tensor '" + bias + "' not found");

        Path untied = copyWithoutWeights("tiny-llama", tmp.resolve("untied"));
        writeTensors("tiny-llama", untied.resolve(Checkpoint.SINGLE_FILE), n -> !n.equals("lm_head.weight"), Map.of());
        assertThatThrownBy(() -> ModelLoader.load(untied)).hasMessageContaining("tensor 'lm_head.weight' not found");

        Path truncated = copyWithoutWeights(fixture, tmp.resolve("truncated"));
        Files.copy(TestModels.modelDir(fixture).resolve(Checkpoint.SINGLE_FILE), truncated.resolve(Checkpoint.SINGLE_FILE));
        try (FileChannel ch = FileChannel.open(truncated.resolve(Checkpoint.SINGLE_FILE), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        assertThatThrownBy(() -> ModelLoader.load(truncated)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("truncated safetensors file");
    }
}
