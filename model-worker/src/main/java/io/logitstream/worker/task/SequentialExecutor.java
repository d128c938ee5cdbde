package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.ErrorInfo;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.TokenChunk;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RequestExecutor} over a synchronous {@link RequestHandler}: one request at a time, in
 * the order submitted, on its own daemon thread. It is the reference a batching scheduler is
 * compared against (same results, one at a time) and the executor workers use until one replaces it.
 *
 * <p>A cancelled request that has not started is skipped; one that is computing finishes, but its
 * token chunks stop at once and its result is never delivered.
 */
public final class SequentialExecutor implements RequestExecutor {

    private static final Logger log = LoggerFactory.getLogger(SequentialExecutor.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final RequestHandler handler;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final Thread thread;
    private volatile boolean closed;
    private volatile Job current;

    public SequentialExecutor(RequestHandler handler) {
        this.handler = handler;
        this.thread = new Thread(this::serve, "serve-" + handler.modelName());
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public Ticket submit(WorkItem item, TokenSink tokens, Consumer<ScoringResult> onResult) {
        if (closed) {
            throw new IllegalStateException("Executor is closed");
        }
        Job job = new Job(item, tokens, onResult);
        pending.incrementAndGet();
        queue.add(job);
        return job;
    }

    @Override
    public int pending() {
        return pending.get();
    }

    @Override
    public String modelName() {
        return handler.modelName();
    }

    /**
     * Drops the queued requests and the result of the one computing now, and waits (bounded) for
     * that computation to end, so the model can be closed after this returns.
     */
    @Override
    public void close() {
        closed = true;
        Job job;
        while ((job = queue.poll()) != null) {
            job.cancel();
        }
        Job running = current;
        if (running != null) {
            running.cancel();
        }
        thread.interrupt();
        try {
            thread.join(CLOSE_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("Request still computing {} s after close; not waiting for it", CLOSE_WAIT.toSeconds());
        }
    }

    private void serve() {
        while (!closed) {
            Job job;
            try {
                job = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            current = job; // published before it starts, so close() finds it (both sides are volatile)
            if (closed) {
                job.cancel();
            }
            if (job.start()) {
                ScoringResult result = compute(job);
                job.deliver(result);
            }
            current = null;
        }
    }

    private ScoringResult compute(Job job) {
        try {
            return handler.handle(List.of(job.item), job::stream).get(0);
        } catch (RuntimeException e) {
            // The handler answers request problems itself; this is a failure of the engine.
            log.error("Serving request {} failed", job.item.request().getRequestId(), e);
            return engineError(job.item, e);
        }
    }

    private static ScoringResult engineError(WorkItem item, RuntimeException e) {
        PromptRequest request = item.request();
        return ScoringResult.newBuilder()
                .setRequestId(request.getRequestId())
                .setModel(request.getModel())
                .setTask(request.getTask())
                .setStatus(ResultStatus.ERROR)
                .setError(new ErrorInfo(ErrorCodes.ENGINE_ERROR, e.getClass().getSimpleName() + ": " + e.getMessage()))
                .setInputIds(List.of())
                .setRunId(request.getRunId())
                .setMetadata(request.getMetadata())
                .build();
    }

    private enum State { QUEUED, RUNNING, DONE, CANCELLED }

    /** One submitted request; its state decides who wins between delivery and cancellation. */
    private final class Job implements Ticket {
        private final WorkItem item;
        private final TokenSink tokens;
        private final Consumer<ScoringResult> onResult;
        private final AtomicReference<State> state = new AtomicReference<>(State.QUEUED);

        Job(WorkItem item, TokenSink tokens, Consumer<ScoringResult> onResult) {
            this.item = item;
            this.tokens = tokens;
            this.onResult = onResult;
        }

        boolean start() {
            return state.compareAndSet(State.QUEUED, State.RUNNING);
        }

        void stream(TokenChunk chunk) {
            if (state.get() == State.RUNNING) {
                tokens.send(chunk);
            }
        }

        void deliver(ScoringResult result) {
            if (state.compareAndSet(State.RUNNING, State.DONE)) {
                pending.decrementAndGet();
                onResult.accept(result);
            }
        }

        @Override
        public void cancel() {
            if (state.compareAndSet(State.QUEUED, State.CANCELLED)
                    || state.compareAndSet(State.RUNNING, State.CANCELLED)) {
                pending.decrementAndGet();
            }
        }
    }
}
