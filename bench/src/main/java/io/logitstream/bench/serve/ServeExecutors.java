package io.logitstream.bench.serve;

import io.logitstream.schema.ScoringResult;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.task.RequestExecutor;
import io.logitstream.worker.task.TaskRouter;
import io.logitstream.worker.task.TokenSink;
import io.logitstream.worker.task.WorkItem;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The one place {@code bench serve} gets its engine-alone executor from: the same serving core the
 * worker runs, configured from the same {@code logitstream.serving.*} keys, without Kafka.
 */
public final class ServeExecutors {

    private ServeExecutors() {
    }

    /**
     * The serving core for {@code model}, configured from {@code config} ({@code logitstream.serving.*}
     * keys; others are ignored).
     */
    public static RequestExecutor create(LoadedModel model, Map<String, String> config) {
        // LEAD: replace with new ServingScheduler(...)
        return new OneAtATime(new TaskRouter(model, "bench-engine-alone"), model.name());
    }

    /**
     * Stand-in until the serving core lands: the synchronous TaskRouter on one thread, one request
     * after the other in arrival order (it ignores the serving config).
     */
    private static final class OneAtATime implements RequestExecutor {
        private final TaskRouter router;
        private final String modelName;
        private final ExecutorService thread;
        private final AtomicInteger pending = new AtomicInteger();

        OneAtATime(TaskRouter router, String modelName) {
            this.router = router;
            this.modelName = modelName;
            this.thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "serve-" + modelName);
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public Ticket submit(WorkItem item, TokenSink tokens, Consumer<ScoringResult> onResult) {
            AtomicBoolean cancelled = new AtomicBoolean();
            pending.incrementAndGet();
            thread.execute(() -> {
                try {
                    if (!cancelled.get()) {
                        ScoringResult result = router.handle(item, tokens);
                        if (!cancelled.get()) {
                            onResult.accept(result);
                        }
                    }
                } finally {
                    pending.decrementAndGet();
                }
            });
            return () -> cancelled.set(true);
        }

        @Override
        public int pending() {
            return pending.get();
        }

        @Override
        public String modelName() {
            return modelName;
        }

        @Override
        public void close() {
            thread.shutdownNow();
        }
    }
}
