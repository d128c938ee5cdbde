package io.logitstream.worker.engine.internvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.KvCache;
import io.logitstream.worker.engine.ModelArchitectures;
import io.logitstream.worker.engine.VisionLanguageModel;
import io.logitstream.worker.engine.batch.SlotKvCache;
import io.logitstream.worker.engine.batch.StepLayout;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.weights.Checkpoint;
import java.util.List;

/**
 * InternVL ({@code model_type: internvl}, transformers' InternVLForConditionalGeneration, and the
 * original {@code internvl_chat} folders): the InternViT {@link InternVisionEncoder}, the pixel
 * shuffle + MLP {@link InternVlProjector}, and a language model that is one of the decoder-only
 * architectures the engine already has (Qwen2, Llama, InternLM2, ... by the nested config's
 * {@code model_type}), built by its own factory from the same weights under its own names.
 *
 * <p>Text goes through the language model unchanged; an image is turned into embeddings once
 * ({@link #imageEmbeddings}), which the caller hands to the forward as an
 * {@link io.logitstream.worker.engine.EmbeddingOverride} at the image-token positions, as
 * transformers' {@code masked_scatter} does.
 */
public final class InternVlModel implements CausalLanguageModel, VisionLanguageModel {
    private final InternVlConfig cfg;
    private final ModelConfig config;
    private final CausalLanguageModel languageModel;
    private final InternVisionEncoder vision;
    private final InternVlProjector projector;
    private final DataType dtype;

    private InternVlModel(ModelConfig config, InternVlConfig cfg, CausalLanguageModel languageModel,
            InternVisionEncoder vision, InternVlProjector projector, DataType dtype) {
        this.config = config;
        this.cfg = cfg;
        this.languageModel = languageModel;
        this.vision = vision;
        this.projector = projector;
        this.dtype = dtype;
    }

    /** Loads the weights into {@code manager} (which the model then owns). */
    public static InternVlModel load(ModelConfig config, Checkpoint weights, NDManager manager) {
        InternVlConfig cfg = InternVlConfig.parse(config);
        Checkpoint own = cfg.layout().resolving(weights);
        Scalars scalars = new Scalars(manager);
        InternVisionEncoder vision = new InternVisionEncoder(cfg.vision(), cfg.layout(), own, manager, scalars);
        InternVlProjector projector = new InternVlProjector(cfg, own, manager, scalars);
        ModelConfig lm = cfg.languageModel();
        CausalLanguageModel languageModel = ModelArchitectures.forType(lm.modelType())
                .load(lm, cfg.layout().languageModel(weights), manager);
        return new InternVlModel(config, cfg, languageModel, vision, projector, weights.computeType());
    }

    public InternVlConfig internVlConfig() {
        return cfg;
    }

    @Override
    public int tileSize() {
        return cfg.vision().imageSize();
    }

    @Override
    public int tokensPerTile() {
        return cfg.tokensPerTile();
    }

    @Override
    public Integer imageTokenId() {
        return cfg.imageTokenId();
    }

    @Override
    public float[] imageEmbeddings(float[] pixels, int tiles) {
        int side = tileSize();
        int channels = cfg.vision().channels();
        if (pixels.length != (long) tiles * channels * side * side) {
            throw new IllegalArgumentException(pixels.length + " pixel values are not " + tiles + " tiles of "
                    + channels + "x" + side + "x" + side);
        }
        try (NDManager scope = manager().newSubManager()) {
            NDArray x = scope.create(pixels, new Shape(tiles, channels, side, side)).toType(dtype, false);
            NDArray embedded = projector.forward(vision.forward(x, cfg.layersToRun()));
            return embedded.toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    @Override
    public ForwardOutput forward(ForwardInput input, NDManager outputManager) {
        return languageModel.forward(input, outputManager);
    }

    @Override
    public NDArray forwardStep(StepLayout layout, SlotKvCache cache, NDManager outputManager) {
        return languageModel.forwardStep(layout, cache, outputManager);
    }

    @Override
    public SlotKvCache newSlotCache(int maxSlots) {
        return languageModel.newSlotCache(maxSlots);
    }

    @Override
    public boolean prefillChunkingExact() {
        return languageModel.prefillChunkingExact();
    }

    @Override
    public KvCache newCache(int capacityHint) {
        return languageModel.newCache(capacityHint);
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public int contextLength() {
        return languageModel.contextLength();
    }

    @Override
    public int vocabSize() {
        return languageModel.vocabSize();
    }

    @Override
    public List<Integer> routerLogitLayers() {
        return languageModel.routerLogitLayers();
    }

    @Override
    public NDManager manager() {
        return languageModel.manager();
    }

    @Override
    public void close() {
        languageModel.close();
    }
}
