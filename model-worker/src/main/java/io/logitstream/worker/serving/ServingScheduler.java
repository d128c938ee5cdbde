package io.logitstream.worker.serving;

import io.logitstream.schema.ScoringResult;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.engine.batch.BatcherStats;
import io.logitstream.worker.engine.batch.BatchWork;
import io.logitstream.worker.engine.batch.ContinuousBatcher;
import io.logitstream.worker.task.PlannedRequest;
import io.logitstream.worker.task.RequestExecutor;
import io.logitstream.worker.task.TaskRouter;
import io.logitstream.worker.task.TokenSink;
import io.logitstream.worker.task.WorkItem;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving core: one thread that owns the model and the running batch. Between steps it takes
 * newly submitted requests (planned by the {@link TaskRouter}) and cancellations; every step
 * advances each running generation by one token and feeds prefill chunks of new requests
 * ({@link ContinuousBatcher}); a request whose work finishes is answered at once, whatever the
 * order it came in.
 */
public final class ServingScheduler implements RequestExecutor {
    private static final Logger log = LoggerFactory.getLogger(ServingScheduler.class);
    private static final long STATS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final TaskRouter router;
    private final ContinuousBatcher batcher;
    private final BlockingQueue<Submission> inbox = new LinkedBlockingQueue<>();
    private final BlockingQueue<Submission> cancelled = new LinkedBlockingQueue<>();
    private final Map<BatchWork, Submission> active = new IdentityHashMap<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Thread thread;
    /** Taken by the serving thread every turn of its loop, read by any thread (metrics). */
    private volatile BatcherStats stats = BatcherStats.EMPTY;
    private volatile StepListener stepListener = StepListener.NONE;
    private long answered;
    private long answeredAtLastStats;

    /** One submitted request; also its ticket. */
    private final class Submission implements Ticket {
        final WorkItem item;
        final TokenSink tokens;
        final Consumer<ScoringResult> onResult;
        final AtomicBoolean done = new AtomicBoolean();
        PlannedRequest planned;

        Submission(WorkItem item, TokenSink tokens, Consumer<ScoringResult> onResult) {
            this.item = item;
            this.tokens = tokens;
            this.onResult = onResult;
        }

        @Override
        public void cancel() {
            if (done.compareAndSet(false, true)) {
                pending.decrementAndGet();
                cancelled.add(this);
            }
        }
    }

    public ServingScheduler(TaskRouter router, BatchBudgets budgets) {
        this.router = router;
        this.batcher = new ContinuousBatcher(router.model().model(), budgets, this::admitted);
        this.thread = new Thread(this::serve, "serving-" + router.modelName());
        thread.setDaemon(true);
        thread.start();
        log.info("Serving {} with continuous batching: {}", router.modelName(), budgets);
    }

    @Override
    public Ticket submit(WorkItem item, TokenSink tokens, Consumer<ScoringResult> onResult) {
        if (stopping.get()) {
            throw new IllegalStateException("the scheduler is closed");
        }
        Submission s = new Submission(item, tokens, onResult);
        pending.incrementAndGet();
        inbox.add(s);
        return s;
    }

    @Override
    public int pending() {
        return pending.get();
    }

    @Override
    public String modelName() {
        return router.modelName();
    }

    /**
     * The running batch's counters as of the serving loop's last turn: at most one step old while it
     * works, about 100 ms when idle.
     */
    public BatcherStats batchStats() {
        return stats;
    }

    /** Requests waiting for the running batch: submitted and not planned yet, or planned and not admitted. */
    public int queued() {
        return inbox.size() + stats.waitingWorks();
    }

    /** Sets who is told each step's duration (one listener; the last set wins). */
    public void onStep(StepListener listener) {
        this.stepListener = listener;
    }

    private void serve() {
        long lastStats = System.nanoTime();
        while (!stopping.get()) {
            try {
                takeSubmissions();
                dropCancelled();
                if (batcher.hasWork()) {
                    long start = System.nanoTime();
                    var finished = batcher.step();
                    stepListener.stepped(System.nanoTime() - start);
                    for (ContinuousBatcher.Finished f : finished) {
                        Submission s = active.remove(f.work());
                        PlannedRequest p = s.planned;
                        deliver(s, f.failure() == null ? p.complete() : p.failed(f.failure()));
                    }
                }
                stats = batcher.snapshot();
                if (System.nanoTime() - lastStats > STATS_EVERY_NANOS && answered != answeredAtLastStats) {
                    lastStats = System.nanoTime();
                    answeredAtLastStats = answered;
                    log.info("Serving {}: {} running, {} waiting, {} answered; {}", router.modelName(),
                            batcher.runningCount(), batcher.waitingCount(), answered, batcher.stats());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                // Not a request's fault (those become error results): answer everything in flight so no
                // requester waits forever, then go on serving.
                log.error("Serving loop failed; answering {} requests in flight with errors", active.size(), e);
                RuntimeException cause = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                for (Map.Entry<BatchWork, Submission> entry : Map.copyOf(active).entrySet()) {
                    batcher.remove(entry.getKey());
                    active.remove(entry.getKey());
                    deliver(entry.getValue(), entry.getValue().planned.failed(cause));
                }
            }
        }
    }

    /** Plans new submissions; waits for one only when nothing is running. */
    private void takeSubmissions() throws InterruptedException {
        Submission s = batcher.hasWork() ? inbox.poll() : inbox.poll(100, TimeUnit.MILLISECONDS);
        while (s != null) {
            if (!s.done.get()) {
                PlannedRequest p = router.plan(s.item, s.tokens);
                s.planned = p;
                ScoringResult answered = p.rejected() != null ? p.rejected() : p.enqueue(batcher);
                if (answered != null) {
                    deliver(s, answered);
                } else {
                    active.put(p.work(), s);
                }
            }
            s = inbox.poll();
        }
    }

    private void dropCancelled() {
        Submission s = cancelled.poll();
        while (s != null) {
            if (s.planned != null && s.planned.work() != null && active.remove(s.planned.work()) != null) {
                batcher.remove(s.planned.work());
                log.debug("Cancelled request {}", s.item.request().getRequestId());
            }
            s = cancelled.poll();
        }
    }

    private void admitted(BatchWork work) {
        Submission s = active.get(work);
        if (s != null) {
            s.planned.started();
        }
    }

    private void deliver(Submission s, ScoringResult result) {
        if (!s.done.compareAndSet(false, true)) {
            return; // cancelled meanwhile: never delivered
        }
        pending.decrementAndGet();
        answered++;
        try {
            s.onResult.accept(result);
        } catch (RuntimeException e) {
            log.error("Result callback failed for {}", result.getRequestId(), e);
        }
    }

    /** Stops after the current step; requests still pending get no result. */
    @Override
    public void close() {
        stopping.set(true);
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("Serving thread still busy after 30 s; leaving its KV cache to the process exit");
            return;
        }
        batcher.close();
        log.info("Serving {} stopped after {} answers", router.modelName(), answered);
    }
}
