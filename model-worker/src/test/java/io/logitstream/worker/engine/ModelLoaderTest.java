package io.logitstream.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.logitstream.worker.engine.tokenizer.ChatMessage;
import io.logitstream.worker.engine.tokenizer.TokenizerException;
import io.logitstream.worker.engine.weights.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLoaderTest {
    @TempDir
    Path tmp;

    @Test
    void loadsTinyGpt2WithItsParts() {
        LoadedModel m = TestModels.tinyGpt2();
        assertThat(m.name()).isEqualTo("tiny-gpt2");
        assertThat(m.config().modelType()).isEqualTo("gpt2");
        assertThat(m.model().contextLength()).isEqualTo(256);
        assertThat(m.model().vocabSize()).isEqualTo(50257);
        assertThat(m.generationDefaults().eosTokenIds()).containsExactly(50256);
        assertThat(m.chatTemplate()).isPresent();
        assertThat(m.fingerprint().value()).matches("sha256:[0-9a-f]{64}");
        assertThat(EngineVersion.VALUE).isEqualTo("logitstream-engine/0.1.0 djl-0.35.1 pytorch-2.7.1");
    }

    @Test
    void fingerprintIsStableAcrossLoadsAndTracksContent() throws Exception {
        String first = TestModels.tinyGpt2().fingerprint().value();
        try (LoadedModel again = ModelLoader.load(TestModels.tinyGpt2Dir())) {
            assertThat(again.fingerprint().value()).isEqualTo(first);
        }
        Path copy = Files.createDirectories(tmp.resolve("copy"));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(TestModels.tinyGpt2Dir().resolve(f), copy.resolve(f));
        }
        List<Path> weights = List.of(copy.resolve("model.safetensors"));
        assertThat(ModelFingerprint.compute(copy, weights).value()).isEqualTo(first);
        Files.writeString(copy.resolve("tokenizer_config.json"),
                Files.readString(copy.resolve("tokenizer_config.json")).replace("256", "257"));
        assertThat(ModelFingerprint.compute(copy, weights).value()).isNotEqualTo(first);
    }

    @Test
    void unsupportedModelTypeFailsAtLoadNamingTheSupportedOnes() throws Exception {
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"bert\", \"vocab_size\": 10,"
                + " \"hidden_size\": 4, \"num_hidden_layers\": 1, \"num_attention_heads\": 1,"
                + " \"max_position_embeddings\": 8}");
        assertThatThrownBy(() -> ModelLoader.load(tmp))
                .isInstanceOf(UnsupportedModelTypeException.class)
                .hasMessage("unsupported model_type 'bert' (supported: gpt2, llama, mistral, qwen2, qwen2_moe, internlm2, glm, glm4, chatglm, internvl, internvl_chat, internlmxcomposer2)");
    }

    @Test
    void chatInputWithoutAChatTemplateIsExplained() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("nochat"));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "generation_config.json")) {
            Files.copy(TestModels.tinyGpt2Dir().resolve(f), dir.resolve(f));
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|endoftext|>\"}");
        try (LoadedModel m = ModelLoader.load(dir, "plain", ai.djl.Device.cpu())) {
            assertThat(m.chatTemplate()).isEmpty();
            assertThatThrownBy(() -> m.encodeChat(List.of(new ChatMessage("user", "hi")), true))
                    .isInstanceOf(TokenizerException.class)
                    .hasMessageContaining("model 'plain' has no chat_template");
        }
    }

    @Test
    void missingFolderAndMissingWeightsAreExplained() throws Exception {
        assertThatThrownBy(() -> ModelLoader.load(tmp.resolve("nope"))).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("does not exist");
        Path noWeights = Files.createDirectories(tmp.resolve("noweights"));
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(TestModels.tinyGpt2Dir().resolve(f), noWeights.resolve(f));
        }
        assertThatThrownBy(() -> ModelLoader.load(noWeights)).hasMessageContaining("expected " + Checkpoint.SINGLE_FILE);
    }

    @Test
    void deviceSelection() {
        assertThat(DeviceSelector.resolve("cpu").isGpu()).isFalse();
        assertThat(DeviceSelector.resolve(null).isGpu()).isFalse();
        assertThat(DeviceSelector.computeType(ai.djl.Device.cpu())).isEqualTo(ai.djl.ndarray.types.DataType.FLOAT32);
        assertThat(DeviceSelector.computeType(ai.djl.Device.gpu(0))).isEqualTo(ai.djl.ndarray.types.DataType.FLOAT16);
        assertThatThrownBy(() -> DeviceSelector.resolve("tpu")).hasMessageContaining("unknown device 'tpu'");
        if (ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0) {
            assertThat(DeviceSelector.resolve("auto").isGpu()).isFalse();
            assertThatThrownBy(() -> DeviceSelector.resolve("gpu")).isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("no CUDA device")
                    .hasMessageContaining("set the environment variable PYTORCH_FLAVOR to a CUDA flavor")
                    .hasMessageContaining("allow DJL to download");
            assertThatThrownBy(() -> DeviceSelector.resolve("gpu:x")).hasMessageContaining("unknown device 'gpu:x'");
        }
    }

    /** Provenance tells int8 from fp32 runs of the same folder (same fingerprint, other numbers). */
    @Test
    void theDeviceDescriptionNamesTheNumerics() {
        Path dir = TestModels.modelDir("tiny-llama");
        try (LoadedModel fp32 = ModelLoader.load(dir, "a", ai.djl.Device.cpu(),
                io.logitstream.worker.engine.weights.WeightMode.AS_STORED);
                LoadedModel int8 = ModelLoader.load(dir, "b", ai.djl.Device.cpu(),
                        io.logitstream.worker.engine.weights.WeightMode.INT8)) {
            assertThat(fp32.deviceDescription()).isEqualTo("cpu() float32");
            assertThat(int8.deviceDescription()).isEqualTo("cpu() float32, int8 weights");
            assertThat(int8.fingerprint()).isEqualTo(fp32.fingerprint());
        }
    }
}
