package io.logitstream.worker.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.logitstream.worker.kafka.OffsetTracker.Verdict;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

    private final CompletedOffsetsCodec codec = new CompletedOffsetsCodec(4096);

    @Test
    void aFreshPartitionIsAnchoredByItsFirstRecord() {
        OffsetTracker tracker = OffsetTracker.fresh(codec);
        assertThat(tracker.commitOffset()).isEqualTo(-1);
        assertThat(tracker.classify(40)).isEqualTo(Verdict.ADMIT);
        tracker.admitted(40);
        assertThat(tracker.commitOffset()).isEqualTo(40);
        tracker.completed(40);
        assertThat(tracker.toCommit()).isEqualTo(new OffsetAndMetadata(41, ""));
    }

    @Test
    void theCommitOffsetIsTheFirstIncompleteOneAndTheCompletedOnesBeyondItAreCarried() {
        OffsetTracker tracker = OffsetTracker.resume(codec, new OffsetAndMetadata(0));
        for (long o = 0; o < 4; o++) {
            tracker.classify(o);
            tracker.admitted(o);
        }
        tracker.completed(3);
        tracker.completed(1);
        assertThat(tracker.commitOffset()).isZero();
        assertThat(codec.decode(0, tracker.toCommit().metadata())).containsExactly(1L, 3L);
        tracker.completed(0);
        assertThat(tracker.toCommit().offset()).isEqualTo(2);
        assertThat(codec.decode(2, tracker.toCommit().metadata())).containsExactly(3L);
        tracker.completed(2);
        assertThat(tracker.toCommit()).isEqualTo(new OffsetAndMetadata(4, ""));
    }

    @Test
    void inheritedCompletedOffsetsAreSkippedAndKeptUntilTheCommitOffsetPassesThem() {
        String metadata = codec.encode(10, new TreeSet<>(java.util.List.of(11L, 12L, 14L)));
        OffsetTracker tracker = OffsetTracker.resume(codec, new OffsetAndMetadata(10, metadata));
        assertThat(tracker.doneAhead()).isEqualTo(3);
        assertThat(tracker.classify(10)).isEqualTo(Verdict.ADMIT);
        tracker.admitted(10);
        assertThat(tracker.classify(11)).isEqualTo(Verdict.SKIP);
        assertThat(tracker.classify(12)).isEqualTo(Verdict.SKIP);
        assertThat(tracker.classify(13)).isEqualTo(Verdict.ADMIT);
        tracker.admitted(13);
        assertThat(tracker.classify(14)).isEqualTo(Verdict.SKIP);
        assertThat(codec.decode(10, tracker.toCommit().metadata())).containsExactly(11L, 12L, 14L);

        tracker.completed(10);
        assertThat(tracker.toCommit().offset()).isEqualTo(13); // 11 and 12 were done already
        tracker.completed(13);
        assertThat(tracker.toCommit()).isEqualTo(new OffsetAndMetadata(15, ""));
    }

    @Test
    void theCommitOffsetMovesPastInheritedOffsetsRightAfterTheLastOneRead() {
        String metadata = codec.encode(10, new TreeSet<>(java.util.List.of(11L, 12L, 20L)));
        OffsetTracker tracker = OffsetTracker.resume(codec, new OffsetAndMetadata(10, metadata));
        tracker.classify(10);
        tracker.admitted(10);
        tracker.completed(10);
        assertThat(tracker.toCommit().offset()).isEqualTo(13);
        assertThat(codec.decode(13, tracker.toCommit().metadata())).containsExactly(20L);
        assertThat(tracker.classify(11)).isEqualTo(Verdict.SKIP);
        assertThat(tracker.classify(12)).isEqualTo(Verdict.SKIP);
        assertThat(tracker.classify(13)).isEqualTo(Verdict.ADMIT);
    }

    @Test
    void aJumpOfTheConsumerPastDeletedRecordsMovesTheCommitOffsetInsteadOfFillingTheWindow() {
        OffsetTracker tracker = OffsetTracker.resume(codec, new OffsetAndMetadata(100));
        long afterRetention = 100 + 10L * codec.span();
        assertThat(tracker.classify(afterRetention)).isEqualTo(Verdict.ADMIT);
        assertThat(tracker.commitOffset()).isEqualTo(afterRetention);
        tracker.admitted(afterRetention);
        assertThat(tracker.toCommit().offset()).isEqualTo(afterRetention);
    }

    @Test
    void reReadOffsetsAreSkippedAndNothingIsAdmittedTwice() {
        OffsetTracker tracker = OffsetTracker.resume(codec, new OffsetAndMetadata(0));
        tracker.classify(0);
        tracker.admitted(0);
        tracker.classify(1);
        tracker.admitted(1);
        assertThat(tracker.classify(0)).isEqualTo(Verdict.SKIP);
        assertThat(tracker.classify(1)).isEqualTo(Verdict.SKIP);
        assertThatThrownBy(() -> tracker.admitted(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theWindowEndsSpanOffsetsPastTheFirstIncompleteOne() {
        OffsetTracker tracker = OffsetTracker.resume(codec, new OffsetAndMetadata(100));
        tracker.classify(100);
        tracker.admitted(100);
        assertThat(tracker.classify(100 + codec.span())).isEqualTo(Verdict.ADMIT);
        assertThat(tracker.classify(101 + codec.span())).isEqualTo(Verdict.BEYOND_WINDOW);
        tracker.completed(100);
        assertThat(tracker.classify(101 + codec.span())).isEqualTo(Verdict.ADMIT);
    }
}
