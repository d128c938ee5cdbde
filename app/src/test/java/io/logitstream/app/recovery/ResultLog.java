package io.logitstream.app.recovery;

import io.logitstream.app.KafkaEndpoint;
import io.logitstream.app.OutputWatcher;
import io.logitstream.contract.Topics;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every committed result as it arrives, with the moment it arrived (nanoTime), read through the
 * project's own {@link OutputWatcher} (read_committed).
 */
final class ResultLog implements AutoCloseable {

    private final Map<String, List<Long>> arrivals = new ConcurrentHashMap<>();
    private final Map<String, ResultStatus> statuses = new ConcurrentHashMap<>();
    private final OutputWatcher watcher;
    private final Thread thread;

    ResultLog(KafkaEndpoint endpoint, Topics topics) {
        this.watcher = new OutputWatcher(endpoint, topics, false, Duration.ofSeconds(30), output -> {
            if (output instanceof OutputWatcher.Output.Result r) {
                ScoringResult result = r.value();
                long now = System.nanoTime();
                arrivals.computeIfAbsent(result.getRequestId(), id -> new CopyOnWriteArrayList<>()).add(now);
                statuses.put(result.getRequestId(), result.getStatus());
            }
        });
        this.thread = new Thread(watcher, "recovery-results");
        thread.start();
    }

    /** Waits until every id has a result; fails with the missing ones at {@code deadlineNanos}. */
    void await(Collection<String> ids, long deadlineNanos, LogitstreamProcess process) throws InterruptedException {
        while (!ids.stream().allMatch(arrivals::containsKey)) {
            if (System.nanoTime() > deadlineNanos) {
                throw new AssertionError("no result for " + ids.stream().filter(id -> !arrivals.containsKey(id))
                        .toList() + "; log of the restarted process:\n" + process.tail());
            }
            Thread.sleep(20);
        }
    }

    /** When the first result for {@code id} arrived (nanoTime). */
    long arrival(String id) {
        return arrivals.get(id).get(0);
    }

    int count(String id) {
        return arrivals.getOrDefault(id, List.of()).size();
    }

    ResultStatus status(String id) {
        return statuses.get(id);
    }

    @Override
    public void close() throws InterruptedException {
        watcher.close();
        thread.join(10_000);
    }
}
