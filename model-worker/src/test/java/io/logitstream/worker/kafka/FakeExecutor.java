package io.logitstream.worker.kafka;

import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.worker.task.RequestExecutor;
import io.logitstream.worker.task.TokenSink;
import io.logitstream.worker.task.WorkItem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A RequestExecutor whose requests finish only when the test says so, in the order it chooses,
 * from whichever thread it calls {@link #complete} on (as a serving thread would).
 */
final class FakeExecutor implements RequestExecutor {

    /** One submission; a request id may be submitted more than once (that is what tests look for). */
    static final class Submission implements Ticket {
        final WorkItem item;
        final Consumer<ScoringResult> onResult;
        volatile boolean cancelled;
        volatile boolean answered;

        Submission(WorkItem item, Consumer<ScoringResult> onResult) {
            this.item = item;
            this.onResult = onResult;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private final List<Submission> submissions = new ArrayList<>();
    private final Map<String, Submission> latest = new LinkedHashMap<>();
    private volatile boolean closed;

    @Override
    public synchronized Ticket submit(WorkItem item, TokenSink tokens, Consumer<ScoringResult> onResult) {
        Submission submission = new Submission(item, onResult);
        submissions.add(submission);
        latest.put(item.request().getRequestId(), submission);
        return submission;
    }

    /** Answers the latest submission of this request, even if it was cancelled (a late answer). */
    void complete(String requestId) {
        Submission submission;
        synchronized (this) {
            submission = latest.get(requestId);
        }
        if (submission == null) {
            throw new IllegalArgumentException("never submitted: " + requestId);
        }
        answer(submission);
    }

    /** Answers the n-th submission (from 0), even if a newer one of the same request exists. */
    void completeSubmission(int n) {
        Submission submission;
        synchronized (this) {
            submission = submissions.get(n);
        }
        answer(submission);
    }

    private static void answer(Submission submission) {
        String requestId = submission.item.request().getRequestId();
        submission.answered = true;
        submission.onResult.accept(ScoringResult.newBuilder()
                .setRequestId(requestId)
                .setModel(submission.item.request().getModel())
                .setTask(submission.item.request().getTask())
                .setStatus(ResultStatus.OK)
                .build());
    }

    void completeAll() {
        List<String> ids;
        synchronized (this) {
            ids = latest.values().stream().filter(s -> !s.answered && !s.cancelled)
                    .map(s -> s.item.request().getRequestId()).toList();
        }
        ids.forEach(this::complete);
    }

    /** Request ids in submission order, repeats included. */
    synchronized List<String> submitted() {
        return submissions.stream().map(s -> s.item.request().getRequestId()).toList();
    }

    synchronized List<String> cancelled() {
        return submissions.stream().filter(s -> s.cancelled).map(s -> s.item.request().getRequestId()).toList();
    }

    @Override
    public synchronized int pending() {
        return (int) submissions.stream().filter(s -> !s.answered && !s.cancelled).count();
    }

    @Override
    public String modelName() {
        return WorkerHarness.MODEL;
    }

    @Override
    public void close() {
        closed = true;
    }

    boolean closed() {
        return closed;
    }
}
