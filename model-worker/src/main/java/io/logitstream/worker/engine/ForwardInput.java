package io.logitstream.worker.engine;

import java.util.Objects;

/**
 * The arguments of {@link CausalLanguageModel#forward}, with transformers' names and semantics.
 *
 * <ul>
 *   <li>{@code inputIds} [B, T]: the new tokens (after the cached ones, if a cache is given).
 *   <li>{@code attentionMask} [B, past + T] or null: 1 = real token, 0 = padding (left or right).
 *   <li>{@code positionIds} [B, T] or null: derived from the mask like {@code generate()} does
 *       (running count of real tokens - 1), or past..past+T-1 without a mask.
 *   <li>{@code cache} or null: past keys/values; updated in place.
 *   <li>{@code logitsToKeep}: 0 = logits for all T positions, k = only the last k (decode needs 1).
 *   <li>{@code labels} [B, T] or null: token ids to score, shifted inside like transformers
 *       (position t predicts labels[t+1]); -100 is ignored; the loss is the mean NLL.
 *   <li>{@code outputRouterLogits} or null: MoE models return their router logits (and add the
 *       load-balancing term to the loss) when true; null follows config.json's
 *       {@code output_router_logits} (false by default), like transformers.
 * </ul>
 */
public final class ForwardInput {
    public static final int IGNORE_INDEX = -100;

    private final int[][] inputIds;
    private final int[][] attentionMask;
    private final long[][] positionIds;
    private final KvCache cache;
    private final int logitsToKeep;
    private final int[][] labels;
    private final Boolean outputRouterLogits;
    private final EmbeddingOverride[] embeddingOverrides;

    private ForwardInput(Builder b) {
        this.embeddingOverrides = b.embeddingOverrides;
        this.inputIds = b.inputIds;
        this.attentionMask = b.attentionMask;
        this.positionIds = b.positionIds;
        this.cache = b.cache;
        this.logitsToKeep = b.logitsToKeep;
        this.labels = b.labels;
        this.outputRouterLogits = b.outputRouterLogits;
    }

    /** One unpadded sequence, no cache, all logits. */
    public static ForwardInput of(int[] ids) {
        return builder(new int[][] {ids}).build();
    }

    /**
     * Sequences of different lengths as one right-padded batch (pad id 0), with an attention mask
     * only when some sequence is shorter than the longest.
     */
    public static Builder rightPadded(java.util.List<int[]> sequences) {
        int max = sequences.stream().mapToInt(s -> s.length).max().orElseThrow();
        int[][] ids = new int[sequences.size()][max];
        int[][] mask = new int[sequences.size()][max];
        boolean padded = false;
        for (int b = 0; b < sequences.size(); b++) {
            int[] s = sequences.get(b);
            System.arraycopy(s, 0, ids[b], 0, s.length);
            java.util.Arrays.fill(mask[b], 0, s.length, 1);
            padded |= s.length < max;
        }
        Builder builder = builder(ids);
        return padded ? builder.attentionMask(mask) : builder;
    }

    public static Builder builder(int[][] inputIds) {
        return new Builder(inputIds);
    }

    public int[][] inputIds() {
        return inputIds;
    }

    public int[][] attentionMask() {
        return attentionMask;
    }

    public long[][] positionIds() {
        return positionIds;
    }

    public KvCache cache() {
        return cache;
    }

    public int logitsToKeep() {
        return logitsToKeep;
    }

    public int[][] labels() {
        return labels;
    }

    /** transformers' {@code output_router_logits}; null: the config's default. */
    public Boolean outputRouterLogits() {
        return outputRouterLogits;
    }

    /** Per batch row, the embeddings that replace token embeddings (image features), or null. */
    public EmbeddingOverride[] embeddingOverrides() {
        return embeddingOverrides;
    }

    public int batchSize() {
        return inputIds.length;
    }

    public int length() {
        return inputIds[0].length;
    }

    /** Builder; only {@code inputIds} is required. */
    public static final class Builder {
        private final int[][] inputIds;
        private int[][] attentionMask;
        private long[][] positionIds;
        private KvCache cache;
        private int logitsToKeep;
        private int[][] labels;
        private Boolean outputRouterLogits;
        private EmbeddingOverride[] embeddingOverrides;

        private Builder(int[][] inputIds) {
            this.inputIds = Objects.requireNonNull(inputIds, "inputIds");
        }

        public Builder attentionMask(int[][] mask) {
            this.attentionMask = mask;
            return this;
        }

        public Builder positionIds(long[][] positions) {
            this.positionIds = positions;
            return this;
        }

        public Builder cache(KvCache kvCache) {
            this.cache = kvCache;
            return this;
        }

        public Builder logitsToKeep(int keep) {
            this.logitsToKeep = keep;
            return this;
        }

        public Builder labels(int[][] labelIds) {
            this.labels = labelIds;
            return this;
        }

        public Builder outputRouterLogits(Boolean output) {
            this.outputRouterLogits = output;
            return this;
        }

        /** Per batch row (entries may be null), embeddings that replace the token embeddings at their positions. */
        public Builder embeddingOverrides(EmbeddingOverride... overrides) {
            this.embeddingOverrides = overrides;
            return this;
        }

        public ForwardInput build() {
            if (embeddingOverrides != null && embeddingOverrides.length != inputIds.length) {
                throw new IllegalArgumentException("embeddingOverrides needs one entry (or null) per row");
            }
            if (inputIds.length == 0 || inputIds[0].length == 0) {
                throw new IllegalArgumentException("input_ids must have at least one row and one token");
            }
            int t = inputIds[0].length;
            for (int[] row : inputIds) {
                if (row.length != t) {
                    throw new IllegalArgumentException("input_ids rows differ in length; pad them and pass an attention_mask");
                }
            }
            int past = cache == null ? 0 : cache.length();
            if (attentionMask != null) {
                checkRect("attention_mask", attentionMask, inputIds.length, past + t);
            }
            if (positionIds != null && (positionIds.length != inputIds.length || positionIds[0].length != t)) {
                throw new IllegalArgumentException("position_ids must be [" + inputIds.length + ", " + t + "]");
            }
            if (labels != null) {
                checkRect("labels", labels, inputIds.length, t);
                if (logitsToKeep != 0 && logitsToKeep < t) {
                    throw new IllegalArgumentException("labels need the logits of every position; use logitsToKeep=0");
                }
            }
            if (logitsToKeep < 0) {
                throw new IllegalArgumentException("logitsToKeep must be >= 0");
            }
            return new ForwardInput(this);
        }

        private static void checkRect(String what, int[][] a, int rows, int cols) {
            if (a.length != rows) {
                throw new IllegalArgumentException(what + " has " + a.length + " rows, expected " + rows);
            }
            for (int[] row : a) {
                if (row.length != cols) {
                    throw new IllegalArgumentException(what + " rows must have " + cols + " columns (past + new tokens), found " + row.length);
                }
            }
        }
    }
}
