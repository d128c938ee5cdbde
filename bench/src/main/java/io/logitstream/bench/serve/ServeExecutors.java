package io.logitstream.bench.serve;

import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.RequestExecutor;
import io.logitstream.worker.task.TaskRouter;
import java.util.Map;

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
        return new ServingScheduler(new TaskRouter(model, "bench-engine-alone"), BatchBudgets.from(config));
    }
}
