package io.logitstream.app.chaos;

import io.logitstream.app.RequestSender;
import io.logitstream.contract.Topics;
import io.logitstream.schema.PromptRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.BooleanSupplier;

/**
 * One fault under load, the same way for every component: a third of the load is sent, and once a
 * tenth of it is answered the component is killed; the second third is sent while it is down (by
 * the producer that was already running), the component is restarted, and the last third is sent
 * by a fresh producer (new registry client, no cached ids). Then every request must have exactly
 * one answer, and the numbers of the summary table are taken:
 *
 * <ul>
 *   <li>lost: requests with no answer other than a DUPLICATE notice;</li>
 *   <li>duplicated: answers beyond the first (DUPLICATE notices not counted: they say "seen");</li>
 *   <li>not_ok: answers that are not an OK result (a dead letter, an error result);</li>
 *   <li>stalls: gaps of more than {@link #STALL_GAP} in the answer stream while answers were due;</li>
 *   <li>recovery_s: from the kill to the first answer to a request sent after it.</li>
 * </ul>
 */
final class FaultRun {

    /** Kills the component (SIGKILL) or brings it back. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    /** What one scenario measured. */
    record Outcome(int requests, int lost, int duplicated, int notOk, int stalls, OptionalDouble recoverySeconds,
            double allAnsweredSeconds) {
    }

    static final Duration STALL_GAP = Duration.ofSeconds(10);
    private static final double KILL_AT_FRACTION = 0.1;
    private static final Duration SETTLE = Duration.ofSeconds(3);

    private final Topics topics = Topics.defaults();
    private final String bootstrap;
    private final String registryUrl;
    private final AnswerLedger answers;
    private final Duration deadline;
    private final BooleanSupplier healthy;

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
        long startedAt = System.nanoTime();
        long endBy = startedAt + deadline.toNanos();
        long killedAt;
        try (RequestSender running = new RequestSender(bootstrap, registryUrl, topics.prompts())) {
            send(running, before);
            awaitAnswered(ids(before), (int) Math.ceil(KILL_AT_FRACTION * load.size()), endBy);
            kill.run();
            killedAt = System.nanoTime();
            send(running, during);
        }
        restart.run();
        try (RequestSender fresh = new RequestSender(bootstrap, registryUrl, topics.prompts())) {
            send(fresh, after);
        }
        awaitAnswered(ids(load), load.size(), endBy);
        double allAnswered = (System.nanoTime() - startedAt) / 1e9;
        Thread.sleep(SETTLE.toMillis()); // room for an answer that should not come: a second one
        answers.drainToCommittedEnd(Duration.ofSeconds(30));
        return outcome(load, ids(load.subList(third, load.size())), startedAt, killedAt, allAnswered);
    }

    private Outcome outcome(List<PromptRequest> load, List<String> sentAfterKill, long startedAt, long killedAt,
            double allAnswered) {
        int lost = 0;
        int duplicated = 0;
        int notOk = 0;
        List<Long> arrivals = new ArrayList<>();
        for (String id : ids(load)) {
            List<AnswerLedger.Answer> got = answers.answersFor(id).stream().filter(a -> !a.duplicateNotice())
                    .toList();
            lost += got.isEmpty() ? 1 : 0;
            duplicated += Math.max(0, got.size() - 1);
            notOk += (int) got.stream().filter(a -> !a.ok()).count();
            got.stream().findFirst().ifPresent(a -> arrivals.add(a.readAtNanos()));
        }
        OptionalDouble recovery = sentAfterKill.stream().flatMap(id -> answers.answersFor(id).stream())
                .mapToLong(AnswerLedger.Answer::readAtNanos).min().stream()
                .mapToDouble(t -> (t - killedAt) / 1e9).findFirst();
        return new Outcome(load.size(), lost, duplicated, notOk, stalls(arrivals, startedAt), recovery, allAnswered);
    }

    /** Gaps longer than {@link #STALL_GAP} between consecutive first answers, counted from the first send. */
    static int stalls(List<Long> arrivals, long startedAt) {
        List<Long> times = new ArrayList<>(arrivals);
        times.add(startedAt);
        times.sort(Long::compare);
        int stalls = 0;
        for (int i = 1; i < times.size(); i++) {
            if (times.get(i) - times.get(i - 1) > STALL_GAP.toNanos()) {
                stalls++;
            }
        }
        return stalls;
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

    private static void send(RequestSender sender, List<PromptRequest> requests) throws Exception {
        for (PromptRequest request : requests) {
            sender.send(request);
        }
    }

    private static List<String> ids(List<PromptRequest> requests) {
        return requests.stream().map(PromptRequest::getRequestId).toList();
    }
}
