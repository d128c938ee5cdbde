package io.logitstream.app.chaos;

import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.kafka.KafkaModelWorker;
import io.logitstream.worker.kafka.WorkerSettings;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.TaskRouter;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model worker on a thread of the test JVM, for scenarios whose fault is elsewhere (a worker JVM
 * to kill is {@link WorkerProcess}): cheaper to start on a shared machine.
 */
final class InProcessWorker implements AutoCloseable {

    private final LoadedModel model;
    private final KafkaModelWorker worker;
    private final Thread thread;

    private InProcessWorker(LoadedModel model, KafkaModelWorker worker, Thread thread) {
        this.model = model;
        this.worker = worker;
        this.thread = thread;
    }

    static InProcessWorker start(Path modelDir, String modelName, String workerId, String bootstrap,
            String registryUrl) throws Exception {
        LoadedModel model = ModelLoader.load(modelDir);
        KafkaModelWorker worker = new KafkaModelWorker(
                WorkerSettings.of(bootstrap, registryUrl, modelName, workerId, Map.of()),
                new ServingScheduler(new TaskRouter(model, workerId), BatchBudgets.defaults()));
        Thread thread = new Thread(worker, workerId);
        thread.start();
        return new InProcessWorker(model, worker, thread);
    }

    /** Still serving: its loop has neither failed nor ended. */
    boolean serving() {
        return !worker.failed() && thread.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            worker.close();
            thread.join(30_000);
        } finally {
            model.close();
        }
    }
}
