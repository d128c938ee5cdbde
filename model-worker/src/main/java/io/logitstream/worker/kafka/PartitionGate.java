package io.logitstream.worker.kafka;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which partitions the consumer fetches from; used by the poll thread only. A record that
 * cannot be admitted now is put back (the consumer seeks to it, so it is read again later) and its
 * partition is held, paused, until the reason passes:
 * <ul>
 *   <li>{@link Reason#BUDGET}: the in-flight budget is full (then every partition is paused);</li>
 *   <li>{@link Reason#WINDOW}: the record is too far past the partition's first incomplete offset for
 *       the completed offsets to fit the commit metadata; it waits for the head to complete;</li>
 *   <li>{@link Reason#RETRY}: it could not be decoded for a reason that is not its own (the registry
 *       is unreachable); it is tried again after a pause.</li>
 * </ul>
 * Paused partitions still take part in every poll, so the worker stays in its group.
 *
 * <p>Fair share: when the budget has room again, a partition whose records were put back for it
 * and that has fewer than its share (budget / partitions) in flight goes first; partitions at or
 * over their share stay paused until it got records in. Without this, the partition whose fetch
 * comes back first takes every freed slot, and a backlog on another partition waits for it to drain
 * (seen after a worker restart: one partition's first request waited 25 s while the others ran).
 */
final class PartitionGate {

    private static final Logger log = LoggerFactory.getLogger(PartitionGate.class);

    enum Reason { BUDGET, WINDOW, RETRY }

    private record Hold(Reason reason, long offset, long untilMs) {
    }

    private final Consumer<?, ?> consumer;
    private final Map<TopicPartition, Hold> holds = new HashMap<>();
    /** Partitions with a record put back for the budget that has not been admitted since. */
    private final Set<TopicPartition> waiting = new HashSet<>();
    private boolean budgetFull;

    PartitionGate(Consumer<?, ?> consumer) {
        this.consumer = consumer;
    }

    /** Puts the record at {@code offset} back and holds its partition; later records of it wait too. */
    void holdBack(TopicPartition partition, long offset, Reason reason, long untilMs) {
        consumer.seek(partition, offset);
        if (reason == Reason.BUDGET) {
            waiting.add(partition);
        }
        Hold previous = holds.put(partition, new Hold(reason, offset, untilMs));
        if (reason == Reason.WINDOW && (previous == null || previous.reason() != Reason.WINDOW)) {
            log.info("{}: offset {} is past the window of completed offsets the commit metadata can carry;"
                    + " holding the partition until its oldest requests complete", partition, offset);
        }
    }

    /** A record of the partition was admitted: it no longer waits for its share. */
    void admitted(TopicPartition partition) {
        waiting.remove(partition);
    }

    /** True when the partition's records wait (the rest of a polled batch is skipped; it is read again). */
    boolean isHeld(TopicPartition partition) {
        return holds.containsKey(partition);
    }

    /**
     * Releases the holds whose reason passed and pauses or resumes partitions to match.
     *
     * @param trackers the offset tracker of each owned partition (null for one no longer owned)
     * @param budget the in-flight budget shared by the partitions
     */
    void sync(boolean budgetIsFull, Function<TopicPartition, OffsetTracker> trackers, long nowMs, int budget) {
        holds.entrySet().removeIf(
                e -> released(e.getKey(), e.getValue(), trackers.apply(e.getKey()), budgetIsFull, nowMs));
        if (budgetIsFull != budgetFull) {
            log.debug(budgetIsFull ? "In-flight budget full: pausing every partition"
                    : "In-flight budget has room again: resuming");
            budgetFull = budgetIsFull;
        }
        Set<TopicPartition> assigned = consumer.assignment();
        Set<TopicPartition> wanted = new HashSet<>();
        for (TopicPartition partition : assigned) {
            if (budgetIsFull || holds.containsKey(partition)) {
                wanted.add(partition);
            }
        }
        if (!budgetIsFull) {
            wanted.addAll(overShare(assigned, trackers, budget));
        }
        Set<TopicPartition> paused = consumer.paused();
        Set<TopicPartition> toPause = new HashSet<>(wanted);
        toPause.removeAll(paused);
        Set<TopicPartition> toResume = new HashSet<>(paused);
        toResume.removeAll(wanted);
        toResume.retainAll(assigned);
        if (!toPause.isEmpty()) {
            consumer.pause(toPause);
        }
        if (!toResume.isEmpty()) {
            consumer.resume(toResume);
        }
    }

    /** Partitions at or over their share while a waiting partition is under it (empty when none waits). */
    private Set<TopicPartition> overShare(Set<TopicPartition> assigned, Function<TopicPartition, OffsetTracker> trackers,
            int budget) {
        int share = Math.max(1, budget / Math.max(1, assigned.size()));
        boolean someoneStarves = false;
        for (TopicPartition p : waiting) {
            OffsetTracker t = trackers.apply(p);
            someoneStarves |= assigned.contains(p) && t != null && t.inFlight() < share;
        }
        Set<TopicPartition> over = new HashSet<>();
        if (someoneStarves) {
            for (TopicPartition p : assigned) {
                OffsetTracker t = trackers.apply(p);
                if (t != null && t.inFlight() >= share) {
                    over.add(p);
                }
            }
        }
        return over;
    }

    /** Forgets partitions this worker no longer owns. */
    void forget(Collection<TopicPartition> partitions) {
        holds.keySet().removeAll(partitions);
        waiting.removeAll(partitions);
    }

    private static boolean released(TopicPartition partition, Hold hold, OffsetTracker tracker, boolean budgetIsFull,
            long nowMs) {
        if (tracker == null) {
            return true;
        }
        return switch (hold.reason()) {
            case BUDGET -> !budgetIsFull;
            case WINDOW -> {
                boolean open = tracker.fitsWindow(hold.offset());
                if (open) {
                    log.info("{}: window open again at offset {} (first incomplete now {})", partition, hold.offset(),
                            tracker.commitOffset());
                }
                yield open;
            }
            case RETRY -> nowMs >= hold.untilMs();
        };
    }
}
