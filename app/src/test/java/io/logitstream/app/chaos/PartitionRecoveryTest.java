package io.logitstream.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class PartitionRecoveryTest {

    private static final Map<String, Integer> PARTITION = Map.of("a", 0, "b", 0, "c", 1, "d", 2);

    @Test
    void everyPartitionIsServedWhenItsFirstWaitingRequestIsAnswered() {
        Map<String, Long> answered = Map.of("a", 9_000L, "b", 4_000L, "c", 6_500L, "d", 1_500L);
        PartitionRecovery served = PartitionRecovery.of(List.of("a", "b", "c", "d"), PARTITION::get,
                id -> OptionalLong.of(answered.get(id)));

        // partition 0 at 4.0 s (b, not a), 1 at 6.5 s, 2 at 1.5 s: the slowest is 1.
        assertThat(served.everyPartitionFrom(0)).hasValue(6.5);
        // Answered before the reference counts as 0, not negative.
        assertThat(served.everyPartitionFrom(2_000)).hasValue(4.5);
        assertThat(served.describeFrom(2_000)).isEqualTo("{0=2.0 s, 1=4.5 s, 2=0.0 s}");
    }

    @Test
    void aPartitionWhoseWaitingRequestsGotNoAnswerWasNeverServed() {
        PartitionRecovery served = PartitionRecovery.of(List.of("a", "c"), PARTITION::get,
                id -> id.equals("a") ? OptionalLong.of(1_000) : OptionalLong.empty());

        assertThat(served.everyPartitionFrom(0)).isEmpty();
        assertThat(served.describeFrom(0)).isEqualTo("{0=1.0 s, 1=never}");
    }
}
