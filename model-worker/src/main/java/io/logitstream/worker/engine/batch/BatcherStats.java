package io.logitstream.worker.engine.batch;

/**
 * The running batch's counters since it started, and its size now: a snapshot the serving thread
 * takes between steps and other threads read (metrics, logs). Numbers only: publishing them is the
 * serving layer's business.
 *
 * @param steps            forward steps run
 * @param prefillTokens    prompt tokens run through the model (cached positions not counted)
 * @param decodeTokens     generated tokens fed back, one per running generation per step
 * @param waitingWorks     requests queued for admission
 * @param runningWorks     requests in the running batch
 * @param runningSequences their sequences (CHOICE candidates and beams count one each)
 * @param kvBytes          the KV cache's memory
 * @param prefixCache      the prefix cache's counters
 */
public record BatcherStats(long steps, long prefillTokens, long decodeTokens, int waitingWorks, int runningWorks,
        int runningSequences, long kvBytes, PrefixCacheStats prefixCache) {

    public static final BatcherStats EMPTY = new BatcherStats(0, 0, 0, 0, 0, 0, 0, PrefixCacheStats.NONE);
}
