package io.logitstream.worker.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.TokenChunk;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The reference executor over a synchronous handler whose requests the test can hold. */
class SequentialExecutorTest {

    private final GatedHandler handler = new GatedHandler();
    private final SequentialExecutor executor = new SequentialExecutor(handler);
    private final BlockingQueue<ScoringResult> results = new LinkedBlockingQueue<>();
    private final List<TokenChunk> chunks = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void close() {
        handler.openAll();
        executor.close();
    }

    @Test
    void servesOneRequestAtATimeInSubmissionOrder() throws Exception {
        executor.submit(item("a"), chunks::add, results::add);
        executor.submit(item("b"), chunks::add, results::add);
        executor.submit(item("c"), chunks::add, results::add);
        assertThat(handler.awaitStarted()).isEqualTo("a");
        assertThat(executor.pending()).isEqualTo(3);
        assertThat(handler.started).containsExactly("a"); // b waits for a

        handler.openAll();
        assertThat(ids(3)).containsExactly("a", "b", "c");
        assertThat(executor.pending()).isZero();
        assertThat(chunks).extracting(TokenChunk::getRequestId).containsExactly("a", "b", "c");
    }

    @Test
    void aCancelledRequestIsNeverAnsweredAndItsChunksStop() throws Exception {
        RequestExecutor.Ticket running = executor.submit(item("running"), chunks::add, results::add);
        RequestExecutor.Ticket queued = executor.submit(item("queued"), chunks::add, results::add);
        executor.submit(item("kept"), chunks::add, results::add);
        handler.awaitStarted();
        queued.cancel();
        running.cancel();
        assertThat(executor.pending()).isEqualTo(1);

        handler.openAll();
        assertThat(ids(1)).containsExactly("kept");
        assertThat(results.poll(200, TimeUnit.MILLISECONDS)).isNull();
        assertThat(handler.started).containsExactly("running", "kept");
        assertThat(chunks).extracting(TokenChunk::getRequestId).containsExactly("kept");
    }

    @Test
    void aHandlerFailureIsAnEngineErrorResult() throws Exception {
        handler.failOn = "boom";
        handler.openAll();
        executor.submit(item("boom"), chunks::add, results::add);
        ScoringResult result = results.poll(5, TimeUnit.SECONDS);
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ERROR);
        assertThat(result.getError().getCode()).isEqualTo(ErrorCodes.ENGINE_ERROR);
        assertThat(result.getError().getMessage()).contains("engine fell over");
    }

    @Test
    void closeDropsWhatIsQueuedAndTheAnswerOfWhatIsRunning() throws Exception {
        executor.submit(item("running"), chunks::add, results::add);
        executor.submit(item("queued"), chunks::add, results::add);
        handler.awaitStarted();
        Thread opener = new Thread(() -> {
            sleep(100);
            handler.openAll();
        });
        opener.start();
        executor.close(); // waits for "running" to end
        assertThat(results).isEmpty();
        assertThat(handler.started).containsExactly("running");
        assertThat(executor.pending()).isZero();
    }

    private List<String> ids(int count) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ScoringResult result = results.poll(5, TimeUnit.SECONDS);
            assertThat(result).as("result %d", i).isNotNull();
            ids.add(result.getRequestId());
        }
        return ids;
    }

    private static WorkItem item(String id) {
        return new WorkItem(PromptRequest.newBuilder().setRequestId(id).setModel("m").setTask(Task.GENERATE)
                .setText("x").build(), 0, 0);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Streams one chunk, then holds each request until the test opens the gate. */
    private static final class GatedHandler implements RequestHandler {
        final List<String> started = Collections.synchronizedList(new ArrayList<>());
        private final BlockingQueue<String> startedQueue = new LinkedBlockingQueue<>();
        private final CountDownLatch gate = new CountDownLatch(1);
        volatile String failOn;

        @Override
        public List<ScoringResult> handle(List<WorkItem> batch, TokenSink tokens) {
            PromptRequest request = batch.get(0).request();
            started.add(request.getRequestId());
            startedQueue.add(request.getRequestId());
            awaitGate();
            if (request.getRequestId().equals(failOn)) {
                throw new IllegalStateException("engine fell over");
            }
            tokens.send(TokenChunk.newBuilder().setRequestId(request.getRequestId()).setModel("m").setSeq(0)
                    .setTokenIds(List.of(1)).setText("x").setIsFinal(true).build());
            return List.of(ScoringResult.newBuilder().setRequestId(request.getRequestId()).setModel("m")
                    .setTask(Task.GENERATE).setStatus(ResultStatus.OK).build());
        }

        private void awaitGate() {
            try {
                gate.await();
            } catch (InterruptedException e) {
                // close() interrupts the serving thread; the computation ends as it would
            }
        }

        String awaitStarted() throws InterruptedException {
            return startedQueue.poll(5, TimeUnit.SECONDS);
        }

        void openAll() {
            gate.countDown();
        }

        @Override
        public String modelName() {
            return "m";
        }
    }
}
