package io.logitstream.worker.engine.internvl;

import io.logitstream.worker.engine.EmbeddingOverride;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Image placeholders in InternVL prompts. The text names where each image goes with
 * {@value #PLACEHOLDER}; each becomes {@code <img>} + {@code <IMG_CONTEXT>} x (tiles x tokens per
 * tile) + {@code </img>}, as transformers' InternVLProcessor and InternVL's {@code chat} expand them.
 * After tokenizing, the embeddings of the images replace those of the {@code <IMG_CONTEXT>} tokens,
 * in order.
 */
public final class InternVlPrompt {
    public static final String PLACEHOLDER = "<image>";
    public static final String START = "<img>";
    public static final String END = "</img>";
    public static final String CONTEXT = "<IMG_CONTEXT>";

    private InternVlPrompt() {
    }

    /** How many placeholders {@code text} has. */
    public static int placeholders(String text) {
        int n = 0;
        for (int i = text.indexOf(PLACEHOLDER); i >= 0; i = text.indexOf(PLACEHOLDER, i + PLACEHOLDER.length())) {
            n++;
        }
        return n;
    }

    /**
     * The text InternVL's chat builds for {@code images} images when the text names none: one
     * {@code <image>\n} per image in front (InternVL's {@code '<image>\n' + question}).
     */
    public static String withPlaceholders(String text, int images) {
        return placeholders(text) > 0 || images == 0 ? text : (PLACEHOLDER + "\n").repeat(images) + text;
    }

    /**
     * Expands the placeholders, the i-th into {@code tiles[i] * tokensPerTile} context tokens.
     *
     * @throws IllegalArgumentException when the number of placeholders is not the number of images
     */
    public static String expand(String text, int[] tiles, int tokensPerTile) {
        int found = placeholders(text);
        if (found != tiles.length) {
            throw new IllegalArgumentException("the prompt has " + found + " " + PLACEHOLDER + " placeholder(s) for "
                    + tiles.length + " image(s)");
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int n : tiles) {
            int at = text.indexOf(PLACEHOLDER, from);
            out.append(text, from, at).append(START).append(CONTEXT.repeat(n * tokensPerTile)).append(END);
            from = at + PLACEHOLDER.length();
        }
        return out.append(text.substring(from)).toString();
    }

    /**
     * The embeddings override of a tokenized prompt: the rows of {@code embeddings} (image after
     * image, each [tiles * tokensPerTile, width]) at the positions of {@code contextTokenId}, keyed
     * for the prefix cache by each image's {@code digests} entry (e.g. the sha-256 of its bytes).
     *
     * @throws IllegalArgumentException when the prompt's context tokens are not as many as the rows
     */
    public static EmbeddingOverride override(int[] ids, int contextTokenId, List<float[]> embeddings,
            List<byte[]> digests, int width) {
        List<Integer> positions = new ArrayList<>();
        for (int p = 0; p < ids.length; p++) {
            if (ids[p] == contextTokenId) {
                positions.add(p);
            }
        }
        int rows = embeddings.stream().mapToInt(e -> e.length / width).sum();
        if (positions.size() != rows) {
            throw new IllegalArgumentException("the prompt has " + positions.size() + " image tokens for " + rows
                    + " image embeddings; " + CONTEXT + " must appear only where an image is");
        }
        float[] all = new float[rows * width];
        int[] keys = new int[rows];
        int row = 0;
        for (int i = 0; i < embeddings.size(); i++) {
            float[] e = embeddings.get(i);
            System.arraycopy(e, 0, all, row * width, e.length);
            long seed = ByteBuffer.wrap(digests.get(i), 0, 8).getLong();
            for (int j = 0; j < e.length / width; j++) {
                keys[row + j] = key(seed, j);
            }
            row += e.length / width;
        }
        return new EmbeddingOverride(positions.stream().mapToInt(Integer::intValue).toArray(), all, width, keys);
    }

    /** A negative id (never a token) from an image digest and the row within the image. */
    static int key(long seed, int row) {
        long z = seed + 0x9E3779B97F4A7C15L * (row + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) (z | 0x80000000L);
    }
}
