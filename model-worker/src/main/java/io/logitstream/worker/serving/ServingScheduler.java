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
import java.util.concurrent.Future;
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
 *
 * <p>A request with images goes to the {@link ImageStage} first: its images are fetched, decoded
 * and tiled there, and only then does it reach the serving thread (which runs the vision encoder
 * while planning it). It counts as pending from {@link #submit} on, so the poll loop holds its
 * offset while it is fetched; cancelling it interrupts the fetch and nothing is delivered.
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
    /** Null for a text-only model: no threads to keep. */
    private final ImageStage images;
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
        /** The image stage's work on this request, while its images are prepared. */
        volatile Future<?> preparing;
        /** The images' outcome, set by the image stage before it puts the submission in the inbox. */
        volatile ImageStage.Prepared prepared;

        Submission(WorkItem item, TokenSink tokens, Consumer<ScoringResult> onResult) {
            this.item = item;
            this.tokens = tokens;
            this.onResult = onResult;
        }

        @Override
        public void cancel() {
            if (done.compareAndSet(false, true)) {
                pending.decrementAndGet();
                Future<?> fetch = preparing;
                if (fetch != null) {
                    fetch.cancel(true);
                }
                cancelled.add(this);
            }
        }

        /** Called by the image stage: the serving thread takes the submission from here. */
        void imagesReady(ImageStage.Prepared outcome) {
            prepared = outcome;
            if (done.get()) {
                images.release(outcome); // cancelled meanwhile
            } else {
                inbox.add(this); // should a cancel come now, the serving thread releases it
            }
        }
    }

    /** With the image stage's settings from system properties ({@link ImageStage}). */
    public ServingScheduler(TaskRouter router, BatchBudgets budgets) {
        this(router, budgets, ImageStage.Settings.fromSystem());
    }

    ServingScheduler(TaskRouter router, BatchBudgets budgets, ImageStage.Settings imageSettings) {
        this.router = router;
        this.images = router.readsImages() ? new ImageStage(router, imageSettings) : null;
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
        if (images != null && router.takesImages(item.request())) {
            s.preparing = images.prepare(item, s::imagesReady);
        } else {
            inbox.add(s);
        }
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

    /**
     * Requests waiting for the running batch: submitted and not planned yet (images being prepared
     * included), or planned and not admitted.
     */
    public int queued() {
        return inbox.size() + stats.waitingWorks() + (images == null ? 0 : images.preparing());
    }

    /** Bytes of prepared image tiles handed to the serving thread and not planned yet (0 without images). */
    long imageBytesHeld() {
        return images == null ? 0 : images.heldBytes();
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
            try {
                if (!s.done.get()) {
                    PlannedRequest p = plan(s);
                    s.planned = p;
                    ScoringResult answered = p.rejected() != null ? p.rejected() : p.enqueue(batcher);
                    if (answered != null) {
                        deliver(s, answered);
                    } else {
                        active.put(p.work(), s);
                    }
                }
            } finally {
                if (s.prepared != null) {
                    images.release(s.prepared); // planned or dropped: its tiles are no longer needed
                }
            }
            s = inbox.poll();
        }
    }

    /** Plans a submission; the vision encoder runs here, on prepared tiles when it has images. */
    private PlannedRequest plan(Submission s) {
        ImageStage.Prepared prepared = s.prepared;
        return prepared == null ? router.plan(s.item, s.tokens) : router.plan(s.item, s.tokens, prepared::get);
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
        if (images != null) {
            images.close();
        }
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
