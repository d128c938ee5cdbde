package io.logitstream.worker.engine.batch;

/**
 * The prefix cache's counters since it was made, and its size now; a snapshot, safe to hand to
 * another thread.
 *
 * @param lookups       admitted sequences that looked for a cached prefix
 * @param hits          lookups that found at least one position
 * @param reusedTokens  positions copied from the cache instead of computed
 * @param evictedTokens positions evicted to make room
 * @param bytes         keys and values held now
 * @param budgetBytes   the most it holds ({@code logitstream.serving.prefix-cache-mb})
 */
public record PrefixCacheStats(long lookups, long hits, long reusedTokens, long evictedTokens, long bytes,
        long budgetBytes) {

    /** No prefix cache (turned off, or a model whose prefill cannot be split). */
    public static final PrefixCacheStats NONE = new PrefixCacheStats(0, 0, 0, 0, 0, 0);
}
