package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.ImageInput;
import io.logitstream.worker.engine.image.ImageDecoder;
import io.logitstream.worker.engine.image.ImageException;
import io.logitstream.worker.engine.internvl.InternVlImageProcessor;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * A request's images fetched, decoded and cut into normalized pixel tiles: the slow part that needs
 * no model, so it may run on any thread (the serving scheduler's image stage) before the request
 * is planned. The digests key the prefix cache (one per image, of its bytes).
 */
public final class PreparedImages {
    private final List<InternVlImageProcessor.Tiles> tiles;
    private final List<byte[]> digests;

    private PreparedImages(List<InternVlImageProcessor.Tiles> tiles, List<byte[]> digests) {
        this.tiles = tiles;
        this.digests = digests;
    }

    /**
     * Fetches, decodes and tiles {@code images} in order.
     *
     * @throws TaskException INVALID_INPUT for an image that cannot be fetched or read
     */
    static PreparedImages fetch(List<ImageInput> images, InternVlImageProcessor processor, ImageFetcher fetcher) {
        List<InternVlImageProcessor.Tiles> tiles = new ArrayList<>();
        List<byte[]> digests = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            byte[] bytes = fetcher.bytes(images.get(i), i);
            try {
                tiles.add(processor.process(ImageDecoder.decode(bytes)));
            } catch (ImageException e) {
                throw new TaskException(ErrorCodes.INVALID_INPUT, "images[" + i + "]: " + e.getMessage(), e);
            }
            digests.add(sha256(bytes));
        }
        return new PreparedImages(List.copyOf(tiles), List.copyOf(digests));
    }

    /** What these images hold on the heap: their fp32 pixel tiles (the fetched bytes are gone). */
    public long bytes() {
        return tiles.stream().mapToLong(t -> (long) t.pixels().length * Float.BYTES).sum();
    }

    List<InternVlImageProcessor.Tiles> tiles() {
        return tiles;
    }

    List<byte[]> digests() {
        return digests;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
