package io.logitstream.worker.engine;

/**
 * A language model that also reads images: tiles of {@link #tileSize()} pixels go through a vision
 * encoder, and each tile becomes {@link #tokensPerTile()} embeddings that replace the embeddings
 * of as many image tokens in the prompt ({@link EmbeddingOverride}).
 */
public interface VisionLanguageModel {

    /** The side of a square tile in pixels (the vision encoder's {@code image_size}). */
    int tileSize();

    /** Embeddings (image tokens) per tile. */
    int tokensPerTile();

    /** The image-context token id from config.json, or null when the config names none. */
    Integer imageTokenId();

    /**
     * The embeddings of preprocessed tiles: {@code pixels} [tiles, 3, tileSize, tileSize]
     * (normalised, channel-first, tile after tile) to [tiles * tokensPerTile, hidden] row-major fp32.
     * Runs on the model's device; not thread-safe, like every forward.
     */
    float[] imageEmbeddings(float[] pixels, int tiles);
}
