package io.logitstream.worker.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.classification.ClassificationHead;
import io.logitstream.worker.engine.classification.SequenceClassifier;
import io.logitstream.worker.engine.config.GenerationDefaults;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.glm.ChatGlmChat;
import io.logitstream.worker.engine.config.QuantizationConfig;
import io.logitstream.worker.engine.tokenizer.ChatIdsEncoder;
import io.logitstream.worker.engine.tokenizer.ChatTemplate;
import io.logitstream.worker.engine.tokenizer.TextTokenizer;
import io.logitstream.worker.engine.weights.Checkpoint;
import io.logitstream.worker.engine.weights.WeightMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a Hugging Face checkpoint folder: reads config.json first and picks the architecture by
 * {@code model_type} (so an unsupported model fails before any weight is touched), then the
 * tokenizer, chat template, generation defaults, weights, and the fingerprint.
 */
public final class ModelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

    private ModelLoader() {
    }

    /** Loads on the CPU, named after the folder. */
    public static LoadedModel load(Path dir) {
        return load(dir, null, Device.cpu());
    }

    /**
     * Loads for a device, computing in fp32 on the CPU and in fp16 on a GPU.
     *
     * @param name the model's name in results (null: the folder name)
     * @param device where the weights and activations live (see {@link DeviceSelector})
     */
    public static LoadedModel load(Path dir, String name, Device device) {
        return load(dir, name, device, DeviceSelector.computeType(device));
    }

    /**
     * @param computeType the type of weights and activations: FLOAT32 or FLOAT16 (logits are fp32 either way)
     */
    public static LoadedModel load(Path dir, String name, Device device, DataType computeType) {
        return load(dir, name, device, computeType, WeightMode.AS_STORED);
    }

    /** Loads for a device in its compute type ({@link DeviceSelector#computeType}), linear weights as {@code weights} says. */
    public static LoadedModel load(Path dir, String name, Device device, WeightMode weights) {
        return load(dir, name, device, DeviceSelector.computeType(device), weights);
    }

    /**
     * @param computeType the type of weights and activations: FLOAT32 or FLOAT16 (logits are fp32 either way)
     * @param weights how the decoder's linear layers hold their weights ({@code --weights}); AS_STORED
     *     becomes INT8 when config.json's {@code quantization_config} says {@code load_in_8bit}
     */
    public static LoadedModel load(Path dir, String name, Device device, DataType computeType, WeightMode weights) {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException("model folder " + dir + " does not exist");
        }
        ModelConfig config = ModelConfig.load(dir);
        // *ForSequenceClassification: the same decoder, with the score head instead of the LM head
        Optional<ClassificationHead> head = ClassificationHead.of(config);
        ModelArchitectures.Factory factory = ModelArchitectures.forType(config.modelType());
        QuantizationConfig quantization = QuantizationConfig.of(config);
        WeightMode mode = quantization.resolve(weights);
        long engineStart = System.nanoTime();
        Engine engine = Engine.getEngine("PyTorch");
        long start = System.nanoTime();
        LOG.debug("engine {} ready in {} ms", engine.getVersion(), (start - engineStart) / 1_000_000);

        // a checkpoint without tokenizer.json or tokenizer.model still runs on token ids; text fails when used
        TextTokenizer tokenizer = TextTokenizer.loadIfPresent(dir);
        CausalLanguageModel model = null;
        try {
            // ChatGLM folders keep their chat format and stop tokens in remote code: built-in equivalents
            Optional<ChatTemplate> configured = ChatTemplate.from(tokenizer.config(), tokenizer.specialTokens());
            ChatTemplate chat = configured.or(() -> ChatGlmChat.builtInTemplate(config, tokenizer)).orElse(null);
            ChatIdsEncoder chatIds = configured.isPresent() ? null
                    : ChatGlmChat.builtInIds(config, tokenizer).orElse(null);
            GenerationDefaults defaults = ChatGlmChat.withRoleStops(GenerationDefaults.load(dir, config), config,
                    tokenizer);
            List<Path> weightFiles;
            NDManager manager = NDManager.newBaseManager(device, engine.getEngineName());
            try (Checkpoint checkpoint = Checkpoint.open(dir, computeType, mode)
                    .keepFloat(quantization.skipModules())) {
                weightFiles = checkpoint.files();
                try {
                    model = head.isEmpty() ? factory.load(config, checkpoint, manager)
                            : SequenceClassifier.wrap(factory.load(ClassificationHead.decoderConfig(config), checkpoint,
                                    manager), config, head.get(), checkpoint);
                } catch (RuntimeException e) {
                    manager.close();
                    throw e;
                }
            }
            ModelFingerprint fingerprint = ModelFingerprint.compute(dir, weightFiles);
            long millis = (System.nanoTime() - start) / 1_000_000;
            String modelName = name != null ? name : dir.toAbsolutePath().normalize().getFileName().toString();
            LOG.info("loaded {} ({} layers={} vocab={} ctx={}) on {} as {}, linear weights {}, in {} ms, {}",
                    modelName, config.modelType(), config.numLayers(), config.vocabSize(), model.contextLength(),
                    device, computeType, mode, millis, fingerprint);
            String numerics = computeType.toString().toLowerCase(java.util.Locale.ROOT)
                    + (mode == WeightMode.INT8 ? ", int8 weights" : "");
            return new LoadedModel(modelName, dir, model, tokenizer, chat, chatIds, defaults, fingerprint, device,
                    numerics, millis);
        } catch (RuntimeException e) {
            if (model != null) {
                model.close();
            }
            tokenizer.close();
            throw e;
        }
    }
}
