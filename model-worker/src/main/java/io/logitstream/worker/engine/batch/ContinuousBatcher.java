package io.logitstream.worker.engine.batch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.tensor.Torch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running batch: admits waiting work within the budgets (FCFS), and on every {@link #step}
 * runs one forward over the tokens the {@link StepPlanner} chose, hands each work its logits,
 * and retires finished work at once so its slots serve the next.
 *
 * <p>Tensor-side only: it knows sequences and logits, not requests, tasks or Kafka. Single
 * threaded: the owner calls everything from one thread.
 */
public final class ContinuousBatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ContinuousBatcher.class);

    /** Work that ended in a step: done, or failed with the step's exception. */
    public record Finished(BatchWork work, RuntimeException failure) {
    }

    private final CausalLanguageModel model;
    private final BatchBudgets budgets;
    private final StepPlanner planner;
    private final SlotKvCache cache;
    private final Deque<BatchWork> waiting = new ArrayDeque<>();
    private final Map<BatchWork, Boolean> running = new LinkedHashMap<>();
    private final Consumer<BatchWork> onAdmitted;
    private final PrefixReuse reuse;
    private long steps;
    private long prefillTokens;
    private long decodeTokens;

    public ContinuousBatcher(CausalLanguageModel model, BatchBudgets budgets) {
        this(model, budgets, work -> { });
    }

    /** @param onAdmitted told when work enters the running batch (its queueing ends) */
    public ContinuousBatcher(CausalLanguageModel model, BatchBudgets budgets, Consumer<BatchWork> onAdmitted) {
        this.model = model;
        this.onAdmitted = onAdmitted;
        this.budgets = budgets;
        this.planner = new StepPlanner(budgets, model.prefillChunkingExact(), model.outputWidth());
        this.cache = model.newSlotCache(budgets.maxRunningSequences());
        this.reuse = model.prefillChunkingExact() ? new PrefixReuse(budgets.prefixCacheBytes() == 0 ? null
                : new PrefixCache(model.manager(), budgets.prefixCacheBytes(), cache.bytesPerToken()), cache) : null;
    }

    /** Queues work; it is admitted at a step boundary when the budgets allow. */
    public void add(BatchWork work) {
        add(work, null);
    }

    /**
     * Queues work of a session (nullable): when it finishes, the session's keys and values stay in
     * the prefix cache ahead of other entries, so its next turn computes only its new tokens.
     */
    public void add(BatchWork work, String session) {
        if (work.sequences().size() > budgets.maxRunningSequences()) {
            throw new IllegalArgumentException(work.sequences().size() + " sequences exceed the running batch of "
                    + budgets.maxRunningSequences() + " (" + BatchBudgets.PREFIX + "max-running-sequences)");
        }
        waiting.add(work);
        if (reuse != null) {
            reuse.session(work, session);
        }
    }

    /** Drops work wherever it is; its slots are freed at once. Returns whether it was known. */
    public boolean remove(BatchWork work) {
        if (reuse != null) {
            reuse.dropped(work);
        }
        if (waiting.remove(work)) {
            return true;
        }
        if (running.remove(work) != null) {
            release(work);
            return true;
        }
        return false;
    }

    public boolean hasWork() {
        return !waiting.isEmpty() || !running.isEmpty();
    }

    public int waitingCount() {
        return waiting.size();
    }

    public int runningCount() {
        return running.size();
    }

    /**
     * Admits what fits, runs one forward and returns the work that finished in it (possibly
     * none). A failing forward fails every work that took part in it.
     */
    public List<Finished> step() {
        admit();
        if (reuse != null) {
            reuse.releaseFollowers();
        }
        List<Finished> finished = new ArrayList<>();
        List<BatchSequence> sequences = new ArrayList<>();
        Map<BatchSequence, BatchWork> owner = new IdentityHashMap<>();
        for (BatchWork work : running.keySet()) {
            for (BatchSequence s : work.sequences()) {
                sequences.add(s);
                owner.put(s, work);
            }
        }
        int[] take = planner.plan(sequences.stream().map(ContinuousBatcher::candidate).toList());
        List<StepLayout.Entry> entries = new ArrayList<>();
        Map<Integer, BatchSequence> bySlot = new LinkedHashMap<>();
        for (int i = 0; i < take.length; i++) {
            if (take[i] > 0) {
                BatchSequence s = sequences.get(i);
                entries.add(s.entry(take[i]));
                bySlot.put(s.slot(), s);
            }
        }
        if (entries.isEmpty()) {
            retireDone(finished);
            return finished;
        }
        StepLayout layout = StepLayout.of(entries);
        List<BatchWork> involved = bySlot.values().stream().map(owner::get).distinct().toList();
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray logits = model.forwardStep(layout, cache, scope);
            steps++;
            long vocab = model.outputWidth();
            int row = 0;
            for (StepLayout.Entry e : layout.entries()) {
                BatchSequence s = bySlot.get(e.slot());
                countFed(s, e.tokens().length);
                s.advance(e.tokens().length);
                int rows = e.logitRows();
                if (rows > 0) {
                    try (NDManager rowScope = scope.newSubManager()) {
                        NDArray view = Torch.view(logits, new long[] {row, 0}, new long[] {row + rows, vocab}, rowScope);
                        owner.get(s).onLogits(s, e.past() + e.logitsFrom(), view);
                    }
                    row += rows;
                }
            }
            for (BatchWork work : involved) {
                work.afterStep(cache);
            }
        } catch (RuntimeException e) {
            log.warn("A step of {} sequences failed ({}); failing their {} requests", entries.size(), e.toString(),
                    involved.size());
            for (BatchWork work : involved) {
                running.remove(work);
                if (reuse != null) {
                    reuse.dropped(work);
                }
                release(work);
                finished.add(new Finished(work, e));
            }
        }
        retireDone(finished);
        return finished;
    }

    private void retireDone(List<Finished> finished) {
        for (BatchWork work : new ArrayList<>(running.keySet())) {
            if (work.isDone()) {
                running.remove(work);
                if (reuse != null) {
                    reuse.finished(work);
                }
                release(work);
                finished.add(new Finished(work, null));
            }
        }
    }

    /** FCFS admission: the head of the queue waits until it fits; nothing overtakes it. */
    private void admit() {
        while (!waiting.isEmpty()) {
            BatchWork next = waiting.peek();
            int need = next.sequences().size();
            int usedSlots = cache.usedSlots();
            if (!running.isEmpty() && (usedSlots + need > budgets.maxRunningSequences() || !cache.canAllocate(need))) {
                return;
            }
            int longest = Math.max(reservedLength(), next.maxLength());
            long bytes = cache.bytesFor(usedSlots + need, longest);
            if (!running.isEmpty() && bytes > budgets.kvCacheBytes()) {
                return;
            }
            if (running.isEmpty() && bytes > budgets.kvCacheBytes()) {
                log.warn("A request needs {} MiB of KV cache, over the budget of {} MiB; serving it alone",
                        bytes >> 20, budgets.kvCacheBytes() >> 20);
            }
            waiting.poll();
            int first = cache.allocate(need);
            for (int i = 0; i < need; i++) {
                next.sequences().get(i).assignSlot(first + i);
            }
            running.put(next, Boolean.TRUE);
            if (reuse != null) {
                reuse.admitted(next);
            }
            onAdmitted.accept(next);
        }
    }

    private int reservedLength() {
        int longest = 0;
        for (BatchWork work : running.keySet()) {
            longest = Math.max(longest, work.maxLength());
        }
        return longest;
    }

    private void release(BatchWork work) {
        for (BatchSequence s : work.sequences()) {
            if (s.slot() >= 0) {
                cache.release(s.slot());
                s.assignSlot(-1);
            }
        }
    }

    private static StepPlanner.Candidate candidate(BatchSequence s) {
        return new StepPlanner.Candidate() {
            @Override
            public int pending() {
                return s.pending();
            }

            @Override
            public boolean decoding() {
                return s.isGenerating();
            }

            @Override
            public int logitRows(int count) {
                return s.logitRows(count);
            }
        };
    }

    /** A fed chunk counts as decode once its sequence generates (one token fed back per step), else prefill. */
    private void countFed(BatchSequence s, int tokens) {
        if (s.isGenerating()) {
            decodeTokens += tokens;
        } else {
            prefillTokens += tokens;
        }
    }

    /** Steps run and tokens fed so far (for logs and benchmarks). */
    public String stats() {
        return steps + " steps, " + (prefillTokens + decodeTokens) + " tokens, " + cache.usedSlots()
                + " slots in use, KV " + (cache.bytes() >> 20) + " MiB; "
                + (reuse == null ? "no prefix reuse" : reuse.stats());
    }

    /** The counters and sizes now, as numbers (for metrics). */
    public BatcherStats snapshot() {
        int sequences = 0;
        for (BatchWork work : running.keySet()) {
            sequences += work.sequences().size();
        }
        return new BatcherStats(steps, prefillTokens, decodeTokens, waiting.size(), running.size(), sequences,
                cache.bytes(), reuse == null ? PrefixCacheStats.NONE : reuse.cacheStats());
    }

    @Override
    public void close() {
        if (reuse != null) {
            reuse.close();
        }
        cache.close();
    }
}
