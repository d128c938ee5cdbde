package io.logitstream.worker.engine.batch;

import java.util.Map;

/**
 * What an operator bounds in the running batch.
 *
 * @param maxBatchedTokens tokens fed in one step (decode tokens + prefill chunks): bounds the time
 *     of a step, hence how long a running generation waits for the next token
 * @param maxRunningSequences sequences in the running batch (KV slots)
 * @param kvCacheBytes memory for keys and values, accounted as slots x the longest sequence a
 *     running request may reach
 * @param prefillChunkTokens most prompt tokens of one sequence in one step: a long prompt is fed in
 *     chunks so it never stalls running decodes for long
 * @param logitsBytes memory for one step's logits rows (SCORE and TEACHER want every position's)
 * @param prefixCacheBytes memory for keys and values kept after requests finish, for later
 *     requests and sessions that start with the same tokens ({@link PrefixCache}); 0 turns it off
 */
public record BatchBudgets(int maxBatchedTokens, int maxRunningSequences, long kvCacheBytes, int prefillChunkTokens,
        long logitsBytes, long prefixCacheBytes) {

    /** Default prefix cache: 1 GiB. */
    public static final long DEFAULT_PREFIX_CACHE_BYTES = 1L << 30;

    public static final String PREFIX = "logitstream.serving.";

    public BatchBudgets {
        if (maxBatchedTokens < 1 || maxRunningSequences < 1 || prefillChunkTokens < 1 || kvCacheBytes < 1
                || logitsBytes < 1 || prefixCacheBytes < 0) {
            throw new IllegalArgumentException("serving budgets must be positive: " + maxBatchedTokens + ", "
                    + maxRunningSequences + ", " + kvCacheBytes + ", " + prefillChunkTokens + ", " + logitsBytes
                    + ", prefix cache " + prefixCacheBytes);
        }
    }

    /** Budgets with the default prefix cache. */
    public BatchBudgets(int maxBatchedTokens, int maxRunningSequences, long kvCacheBytes, int prefillChunkTokens,
            long logitsBytes) {
        this(maxBatchedTokens, maxRunningSequences, kvCacheBytes, prefillChunkTokens, logitsBytes,
                DEFAULT_PREFIX_CACHE_BYTES);
    }

    /**
     * 512 tokens a step, 64 sequences, 2 GiB of KV cache, 256-token prefill chunks, 512 MiB of logits,
     * 1 GiB of prefix cache.
     */
    public static BatchBudgets defaults() {
        return new BatchBudgets(512, 64, 2L << 30, 256, 512L << 20);
    }

    /** One sequence at a time: the reference behaviour (and the benchmark's concurrency-1 baseline). */
    public BatchBudgets withMaxRunningSequences(int n) {
        return new BatchBudgets(maxBatchedTokens, n, kvCacheBytes, prefillChunkTokens, logitsBytes, prefixCacheBytes);
    }

    /** The same budgets with another prefix cache size (0: none). */
    public BatchBudgets withPrefixCacheBytes(long bytes) {
        return new BatchBudgets(maxBatchedTokens, maxRunningSequences, kvCacheBytes, prefillChunkTokens, logitsBytes,
                bytes);
    }

    /**
     * Budgets from {@code logitstream.serving.*} settings: {@code max-batched-tokens},
     * {@code max-running-sequences}, {@code kv-cache-mb}, {@code prefill-chunk-tokens},
     * {@code logits-mb}, {@code prefix-cache-mb}; missing keys keep their defaults.
     */
    public static BatchBudgets from(Map<String, ?> config) {
        BatchBudgets d = defaults();
        return new BatchBudgets(
                intOf(config, "max-batched-tokens", d.maxBatchedTokens()),
                intOf(config, "max-running-sequences", d.maxRunningSequences()),
                (long) intOf(config, "kv-cache-mb", (int) (d.kvCacheBytes() >> 20)) << 20,
                intOf(config, "prefill-chunk-tokens", d.prefillChunkTokens()),
                (long) intOf(config, "logits-mb", (int) (d.logitsBytes() >> 20)) << 20,
                (long) intOf(config, "prefix-cache-mb", (int) (d.prefixCacheBytes() >> 20)) << 20);
    }

    private static int intOf(Map<String, ?> config, String key, int fallback) {
        Object v = config.get(PREFIX + key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PREFIX + key + " must be a whole number, got '" + v + "'", e);
        }
    }
}
