package io.logitstream.app.chaos;

import io.logitstream.app.RequestSender;
import io.logitstream.contract.Topics;
import io.logitstream.schema.PromptRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * One fault under load, the same way for every component: a third of the load is sent, and once a
 * tenth of it is answered the second third starts arriving, one request every {@link #ARRIVAL_PACE}
 * from the producer that was already running, and the component is killed while it arrives (so the
 * kill lands with work in flight, and the rest of that third arrives while it is down, or, to a
 * stopped broker, as soon as it is back). The component is restarted, and once the second third is
 * in, the last third is sent by a fresh producer (new registry client, no cached ids). Every request
 * must have exactly one answer, and the numbers of the summary table are taken:
 *
 * <ul>
 *   <li>lost: requests with no answer other than a DUPLICATE notice;</li>
 *   <li>duplicated: answers beyond the first (DUPLICATE notices not counted: they say "seen");</li>
 *   <li>not_ok: answers that are not an OK result (a dead letter, an error result);</li>
 *   <li>stalls: gaps of more than {@link #STALL_GAP} in the answer stream, from its first answer on;</li>
 *   <li>recovery_s: from the kill to the first answer to a request sent after it (its send
 *       acknowledged after the kill);</li>
 *   <li>served_s: when every partition was served again ({@link PartitionRecovery}: the worker
 *       started computing a request on it sent after the kill), from the kill and from the restart
 *       (when the restart step returned: for a process, once it is ready to join its group).</li>
 * </ul>
 *
 * <p>Answer times are the answers' record timestamps (when the worker sent them), so they do not
 * depend on when this test, busy killing and restarting, reads them.
 */
final class FaultRun {

    /** Kills the component (SIGKILL) or brings it back. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    /** What one scenario measured. */
    record Outcome(int requests, int lost, int duplicated, int notOk, int stalls, OptionalDouble recoverySeconds,
            OptionalDouble servedFromKillSeconds, OptionalDouble servedFromRestartSeconds, String servedPerPartition,
            double allAnsweredSeconds) {
    }

    static final Duration STALL_GAP = Duration.ofSeconds(10);
    private static final double KILL_AT_FRACTION = 0.1;
    private static final Duration SETTLE = Duration.ofSeconds(3);
    static final Duration ARRIVAL_PACE = Duration.ofMillis(20);

    private final Topics topics = Topics.defaults();
    private final String bootstrap;
    private final String registryUrl;
    private final AnswerLedger answers;
    private final Duration deadline;
    private final BooleanSupplier healthy;
    /** When each request's send was acknowledged, epoch milliseconds. */
    private final Map<String, Long> sentAtMs = new ConcurrentHashMap<>();
    /** The partition of the prompts topic each request went to. */
    private final Map<String, Integer> partitionOf = new ConcurrentHashMap<>();

    /**
     * @param healthy checked while waiting: false (a worker died, say) ends the wait early, and the
     *     requests still unanswered count as lost
     */
    FaultRun(String bootstrap, String registryUrl, AnswerLedger answers, Duration deadline, BooleanSupplier healthy) {
        this.bootstrap = bootstrap;
        this.registryUrl = registryUrl;
        this.answers = answers;
        this.deadline = deadline;
        this.healthy = healthy;
    }

    Outcome run(List<PromptRequest> load, Step kill, Step restart) throws Exception {
        int third = load.size() / 3;
        List<PromptRequest> before = load.subList(0, third);
        List<PromptRequest> during = load.subList(third, 2 * third);
        List<PromptRequest> after = load.subList(2 * third, load.size());
        long startedAt = System.currentTimeMillis();
        long endBy = System.nanoTime() + deadline.toNanos();
        long killedAt;
        long restartedAt;
        try (RequestSender running = new RequestSender(bootstrap, registryUrl, topics.prompts())) {
            send(running, before);
            awaitAnswered(ids(before), (int) Math.ceil(KILL_AT_FRACTION * load.size()), endBy);
            CompletableFuture<Void> arriving = CompletableFuture.runAsync(() -> sendPaced(running, during));
            kill.run();
            killedAt = System.currentTimeMillis();
            // Not waiting for the second third first: a stopped broker takes it only once it is back.
            restart.run();
            restartedAt = System.currentTimeMillis();
            arriving.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        }
        try (RequestSender fresh = new RequestSender(bootstrap, registryUrl, topics.prompts())) {
            send(fresh, after);
        }
        awaitAnswered(ids(load), load.size(), endBy);
        double allAnswered = (System.currentTimeMillis() - startedAt) / 1e3;
        Thread.sleep(SETTLE.toMillis()); // room for an answer that should not come: a second one
        answers.drainToCommittedEnd(Duration.ofSeconds(30));
        List<String> sentAfterKill = ids(load).stream().filter(id -> sentAtMs.get(id) > killedAt).toList();
        PartitionRecovery served = PartitionRecovery.of(sentAfterKill, partitionOf::get, this::firstServedMs);
        Outcome outcome = outcome(load, sentAfterKill, served, killedAt, restartedAt, allAnswered);
        System.out.printf("FAULT RUN: killed at +%.1f s, back (restart returned) at +%.1f s, all answered at +%.1f s,"
                + " longest gap between answers %s; every partition served again: per partition %s from the kill,"
                + " %s from the restart%n", (killedAt - startedAt) / 1e3, (restartedAt - startedAt) / 1e3,
                allAnswered, longestGap(firstArrivals(load), startedAt), served.describeFrom(killedAt),
                served.describeFrom(restartedAt));
        return outcome;
    }

    private Outcome outcome(List<PromptRequest> load, List<String> sentAfterKill, PartitionRecovery served,
            long killedAt, long restartedAt, double allAnswered) {
        int lost = 0;
        int duplicated = 0;
        int notOk = 0;
        for (String id : ids(load)) {
            List<AnswerLedger.Answer> got = answers.answersFor(id).stream().filter(a -> !a.duplicateNotice())
                    .toList();
            lost += got.isEmpty() ? 1 : 0;
            duplicated += Math.max(0, got.size() - 1);
            notOk += (int) got.stream().filter(a -> !a.ok()).count();
        }
        OptionalDouble recovery = sentAfterKill.stream().flatMap(id -> answers.answersFor(id).stream())
                .mapToLong(AnswerLedger.Answer::timestampMs).min().stream()
                .mapToDouble(t -> (t - killedAt) / 1e3).findFirst();
        return new Outcome(load.size(), lost, duplicated, notOk, stalls(firstArrivals(load)), recovery,
                served.everyPartitionFrom(killedAt), served.everyPartitionFrom(restartedAt),
                served.describeFrom(killedAt) + " from the kill, " + served.describeFrom(restartedAt)
                        + " from the restart", allAnswered);
    }

    /** When the worker started computing the request (its first answer's), if it was answered. */
    private OptionalLong firstServedMs(String id) {
        return answers.answersFor(id).stream().filter(a -> !a.duplicateNotice())
                .mapToLong(AnswerLedger.Answer::startedAtMs).min();
    }

    /** When each request's first answer (DUPLICATE notices aside) was sent, epoch milliseconds. */
    private List<Long> firstArrivals(List<PromptRequest> load) {
        return ids(load).stream().flatMap(id -> answers.answersFor(id).stream().filter(a -> !a.duplicateNotice())
                .limit(1)).map(AnswerLedger.Answer::timestampMs).toList();
    }

    /**
     * Gaps longer than {@link #STALL_GAP} between consecutive answer times (milliseconds), from the
     * first answer on (the wait for the very first one is start-up: cold JVMs, first transaction).
     */
    static int stalls(List<Long> answerMillis) {
        return (int) gaps(answerMillis).stream().filter(g -> g[1] - g[0] > STALL_GAP.toMillis()).count();
    }

    /** The longest gap between consecutive answer times (milliseconds), placed relative to {@code startedAtMs}. */
    static String longestGap(List<Long> answerMillis, long startedAtMs) {
        return gaps(answerMillis).stream().max((a, b) -> Long.compare(a[1] - a[0], b[1] - b[0]))
                .map(g -> String.format("%.1f s (from +%.1f to +%.1f s)", (g[1] - g[0]) / 1e3,
                        (g[0] - startedAtMs) / 1e3, (g[1] - startedAtMs) / 1e3))
                .orElse("none");
    }

    private static List<long[]> gaps(List<Long> arrivals) {
        List<Long> times = new ArrayList<>(arrivals);
        times.sort(Long::compare);
        List<long[]> gaps = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) {
            gaps.add(new long[] {times.get(i - 1), times.get(i)});
        }
        return gaps;
    }

    private void awaitAnswered(Collection<String> ids, int count, long endByNanos) {
        while (ids.stream().filter(id -> answers.answersFor(id).stream().anyMatch(a -> !a.duplicateNotice()))
                .count() < count) {
            if (System.nanoTime() > endByNanos || !healthy.getAsBoolean()) {
                return; // the outcome counts what is missing
            }
            answers.poll(Duration.ofMillis(100));
        }
    }

    private void send(RequestSender sender, List<PromptRequest> requests) throws Exception {
        for (PromptRequest request : requests) {
            RecordMetadata sent = sender.send(request);
            sentAtMs.put(request.getRequestId(), System.currentTimeMillis());
            partitionOf.put(request.getRequestId(), sent.partition());
        }
    }

    private void sendPaced(RequestSender sender, List<PromptRequest> requests) {
        try {
            for (PromptRequest request : requests) {
                send(sender, List.of(request));
                Thread.sleep(ARRIVAL_PACE.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending", e);
        } catch (Exception e) {
            throw new IllegalStateException("could not send a request while the component was down", e);
        }
    }

    private static List<String> ids(List<PromptRequest> requests) {
        return requests.stream().map(PromptRequest::getRequestId).toList();
    }
}
