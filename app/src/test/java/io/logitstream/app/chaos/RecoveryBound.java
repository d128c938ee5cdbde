package io.logitstream.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.OptionalDouble;

/**
 * The bound on recovery: after a fault, every partition is served again within
 * {@link #EVERY_PARTITION}. Counted from the restarted process being ready to join its group (JVM
 * started, model loaded, topics checked) where the fault stops a process: its own start-up is the
 * host's and the supervisor's (2 s on an idle machine, 10 s and more on two cores shared with other
 * builds), while what follows (static membership, aborting the dead one's transaction, restoring
 * state) is LogitStream's. Counted from the kill where nothing waits for the restart (the registry).
 */
final class RecoveryBound {

    static final Duration EVERY_PARTITION = Duration.ofSeconds(10);

    /** Which moment the bound counts from. */
    enum From {
        KILL("the kill"),
        RESTART("the restarted component being ready");

        private final String words;

        From(String words) {
            this.words = words;
        }
    }

    private RecoveryBound() {
    }

    static void assertHeld(String scenario, FaultRun.Outcome outcome, From from) {
        OptionalDouble seconds = from == From.KILL ? outcome.servedFromKillSeconds()
                : outcome.servedFromRestartSeconds();
        assertThat(seconds.isPresent() && seconds.getAsDouble() <= EVERY_PARTITION.toSeconds())
                .as("%s: every partition must be served again within %d s of %s, but it took %s (per partition: %s)",
                        scenario, EVERY_PARTITION.toSeconds(), from.words,
                        seconds.isPresent() ? String.format("%.1f s", seconds.getAsDouble())
                                : "forever (a partition was never served again)",
                        outcome.servedPerPartition())
                .isTrue();
    }
}
