package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.ImageInput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.worker.engine.EmbeddingOverride;
import io.logitstream.worker.engine.ImagesNotImplemented;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.VisionLanguageModel;
import io.logitstream.worker.engine.internvl.InternVlImageProcessor;
import io.logitstream.worker.engine.internvl.InternVlPrompt;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The images of one request, preprocessed for the model: tiles per image (which fixes how many
 * image tokens the prompt gets), the prompt text with its placeholders expanded, and, once the
 * prompt is tokenized, the embeddings that replace the image tokens' (one vision forward per image).
 */
public final class RequestImages {
    private final VisionLanguageModel model;
    private final List<InternVlImageProcessor.Tiles> tiles;
    private final List<byte[]> digests;
    private final int contextTokenId;
    private final int width;

    private RequestImages(VisionLanguageModel model, List<InternVlImageProcessor.Tiles> tiles, List<byte[]> digests,
            int contextTokenId, int width) {
        this.model = model;
        this.tiles = tiles;
        this.digests = digests;
        this.contextTokenId = contextTokenId;
        this.width = width;
    }

    /**
     * The request's images fetched, decoded and tiled here, or null when it has none.
     *
     * @throws TaskException INVALID_INPUT for a text-only model, an unreadable image or a bad uri;
     *     UNSUPPORTED for a model whose image path is not implemented ({@link ImagesNotImplemented})
     */
    static RequestImages of(PromptRequest request, LoadedModel loaded, InternVlImageProcessor processor,
            ImageFetcher fetcher) {
        return of(request, loaded, processor, () -> PreparedImages.fetch(request.getImages(), processor, fetcher));
    }

    /**
     * The request's images with their tiles from {@code prepared} (called once the request is known
     * to take images: fetched here, or earlier on another thread), or null when it has none.
     *
     * @throws TaskException INVALID_INPUT for a text-only model, or what {@code prepared} throws
     */
    static RequestImages of(PromptRequest request, LoadedModel loaded, InternVlImageProcessor processor,
            Supplier<PreparedImages> prepared) {
        List<ImageInput> images = request.getImages();
        if (images == null || images.isEmpty()) {
            return null;
        }
        if (loaded.model() instanceof ImagesNotImplemented refused) {
            throw new TaskException(ErrorCodes.UNSUPPORTED, "Model '" + loaded.name() + "' ("
                    + loaded.config().modelType() + "): " + refused.imagesRefusal());
        }
        if (!(loaded.model() instanceof VisionLanguageModel vlm) || processor == null) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, "Model '" + loaded.name() + "' ("
                    + loaded.config().modelType() + ") reads text only; send the request without images, or to a "
                    + "vision-language model (internvl)");
        }
        int[] context = loaded.tokenizer().encode(InternVlPrompt.CONTEXT, false);
        if (context.length != 1 || (vlm.imageTokenId() != null && vlm.imageTokenId() != context[0])) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, "Model '" + loaded.name() + "': its tokenizer has no "
                    + InternVlPrompt.CONTEXT + " token" + (vlm.imageTokenId() == null ? "" : " with config.json's "
                    + "image_token_id " + vlm.imageTokenId()));
        }
        PreparedImages ready = prepared.get();
        return new RequestImages(vlm, ready.tiles(), ready.digests(), context[0], loaded.config().hiddenSize());
    }

    /**
     * The images of {@code request} for {@code loaded} with the model folder's preprocessing and the
     * fetch settings of this JVM (what the CLI uses; the router keeps its processor and fetcher).
     */
    public static RequestImages forModel(PromptRequest request, LoadedModel loaded) {
        InternVlImageProcessor processor = loaded.model() instanceof VisionLanguageModel vlm
                ? InternVlImageProcessor.forModel(loaded.dir(), loaded.config().raw(), vlm.tileSize()) : null;
        return of(request, loaded, processor, ImageFetcher.fromSystem());
    }

    int count() {
        return tiles.size();
    }

    /** {@code text} with one {@code <image>\n} per image in front when it names none. */
    String withPlaceholders(String text) {
        return InternVlPrompt.withPlaceholders(text, tiles.size());
    }

    /** {@code text} (with placeholders) with each placeholder expanded into its image's tokens. */
    String expand(String text) {
        int[] counts = tiles.stream().mapToInt(InternVlImageProcessor.Tiles::count).toArray();
        try {
            return InternVlPrompt.expand(text, counts, model.tokensPerTile());
        } catch (IllegalArgumentException e) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, e.getMessage());
        }
    }

    /** Runs the vision encoder on every image and places the embeddings at the prompt's image tokens. */
    public EmbeddingOverride embeddings(int[] ids) {
        List<float[]> embeddings = new ArrayList<>();
        for (InternVlImageProcessor.Tiles t : tiles) {
            embeddings.add(model.imageEmbeddings(t.pixels(), t.count()));
        }
        try {
            return InternVlPrompt.override(ids, contextTokenId, embeddings, digests, width);
        } catch (IllegalArgumentException e) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, e.getMessage());
        }
    }
}
