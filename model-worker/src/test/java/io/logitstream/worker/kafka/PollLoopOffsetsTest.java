package io.logitstream.worker.kafka;

import static io.logitstream.worker.kafka.WorkerHarness.partition;
import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Out-of-order completion, the commits it makes, and what a restarted worker does with them. */
class PollLoopOffsetsTest {

    private static final TopicPartition P0 = partition(0);

    @Test
    void outOfOrderResultsCommitTheFirstIncompleteOffsetAndCarryTheCompletedOnesInMetadata() {
        WorkerHarness h = new WorkerHarness(Map.of()).start(P0);
        IntStream.range(0, 5).forEach(i -> h.request(P0, i, "r" + i));
        h.poll();
        assertThat(h.executor.submitted()).containsExactly("r0", "r1", "r2", "r3", "r4");

        h.executor.complete("r2");
        h.executor.complete("r4");
        h.poll();
        assertThat(h.publishedResults()).containsExactly("r2", "r4");
        assertThat(h.committed(P0).offset()).isEqualTo(0);
        assertThat(h.completedBeyond(h.committed(P0))).containsExactly(2L, 4L);

        h.executor.complete("r0");
        h.poll();
        assertThat(h.committed(P0).offset()).isEqualTo(1);
        assertThat(h.completedBeyond(h.committed(P0))).containsExactly(2L, 4L);

        h.executor.complete("r3");
        h.executor.complete("r1");
        h.poll();
        assertThat(h.publishedResults()).containsExactly("r2", "r4", "r0", "r3", "r1");
        assertThat(h.committed(P0)).isEqualTo(new OffsetAndMetadata(5, ""));
        assertThat(h.producer.commitCount()).isEqualTo(3);
    }

    @Test
    void aRestartedWorkerSkipsTheOffsetsItsPredecessorCompletedAndServesTheRestOnce() {
        WorkerHarness first = new WorkerHarness(Map.of()).start(P0);
        IntStream.range(0, 6).forEach(i -> first.request(P0, i, "r" + i));
        first.poll();
        first.executor.complete("r1");
        first.executor.complete("r3");
        first.executor.complete("r4");
        first.poll();
        OffsetAndMetadata commit = first.committed(P0);
        assertThat(commit.offset()).isEqualTo(0);
        // the first worker dies here: r0, r2 and r5 were in flight

        WorkerHarness second = new WorkerHarness(Map.of(), first.registry).start(Map.of(P0, commit), P0);
        IntStream.range(0, 6).forEach(i -> second.request(P0, i, "r" + i));
        second.poll();
        assertThat(second.executor.submitted()).containsExactly("r0", "r2", "r5");

        second.executor.completeAll();
        second.poll();
        assertThat(second.publishedResults()).containsExactlyInAnyOrder("r0", "r2", "r5");
        assertThat(second.committed(P0)).isEqualTo(new OffsetAndMetadata(6, ""));
    }

    @Test
    void offsetsTheConsumerNeverReturnsCountAsDone() {
        WorkerHarness h = new WorkerHarness(Map.of()).start(P0);
        h.request(P0, 0, "a"); // 1 and 3 are transaction markers
        h.request(P0, 2, "b");
        h.request(P0, 4, "c");
        h.poll();
        h.executor.complete("c");
        h.executor.complete("a");
        h.poll();
        assertThat(h.committed(P0).offset()).isEqualTo(2);
        assertThat(h.completedBeyond(h.committed(P0))).containsExactly(4L);
        h.executor.complete("b");
        h.poll();
        assertThat(h.committed(P0)).isEqualTo(new OffsetAndMetadata(5, ""));
    }

    @Test
    void recordsReadAgainAfterASeekAreNotSubmittedTwice() {
        WorkerHarness h = new WorkerHarness(Map.of()).start(P0);
        IntStream.range(0, 3).forEach(i -> h.request(P0, i, "r" + i));
        h.poll();
        h.executor.complete("r1");
        h.poll();

        h.consumer.seek(P0, 0);
        h.request(P0, 3, "r3");
        h.poll();
        assertThat(h.executor.submitted()).containsExactly("r0", "r1", "r2", "r3");
    }

    @Test
    void aFullInFlightBudgetPausesThePartitionAndPutsTheRestBackUntilThereIsRoom() {
        WorkerHarness h = new WorkerHarness(Map.of(WorkerSettings.MAX_INFLIGHT_KEY, "2")).start(P0);
        IntStream.range(0, 5).forEach(i -> h.request(P0, i, "r" + i));
        h.poll();
        assertThat(h.executor.submitted()).containsExactly("r0", "r1");
        assertThat(h.consumer.paused()).containsExactly(P0);
        assertThat(h.consumer.position(P0)).isEqualTo(2);

        h.poll();
        assertThat(h.executor.submitted()).hasSize(2);

        h.executor.complete("r1");
        h.poll(); // publishes r1, then resumes
        assertThat(h.consumer.paused()).isEmpty();
        h.poll();
        assertThat(h.executor.submitted()).containsExactly("r0", "r1", "r2");
        assertThat(h.consumer.paused()).containsExactly(P0);
    }

    @Test
    void aPartitionStopsAtTheEdgeOfTheMetadataWindowUntilItsHeadCompletes() {
        // 8 bytes of metadata: "ls1b:" + 3 base64 characters = 2 bytes of bitmap = 16 offsets past the commit
        WorkerHarness h = new WorkerHarness(Map.of(WorkerSettings.OFFSET_METADATA_MAX_BYTES_KEY, "8",
                WorkerSettings.MAX_BATCH_KEY, "100")).start(P0);
        IntStream.range(0, 21).forEach(i -> h.request(P0, i, "r" + i));
        h.poll();
        assertThat(h.executor.submitted()).hasSize(17); // offsets 0..16
        assertThat(h.consumer.paused()).containsExactly(P0);
        assertThat(h.consumer.position(P0)).isEqualTo(17);

        for (int i = 1; i <= 16; i += 2) { // the worst case for the bitmap: every other offset
            h.executor.complete("r" + i);
        }
        h.poll();
        OffsetAndMetadata commit = h.committed(P0);
        assertThat(commit.offset()).isEqualTo(0);
        assertThat(commit.metadata().length()).isLessThanOrEqualTo(8);
        assertThat(h.completedBeyond(commit)).hasSize(8);
        assertThat(h.consumer.paused()).containsExactly(P0);

        h.executor.complete("r0");
        h.poll();
        assertThat(h.committed(P0).offset()).isEqualTo(2);
        assertThat(h.consumer.paused()).isEmpty();
        h.poll();
        assertThat(h.executor.submitted()).hasSize(19); // 17 and 18 fit now (18 - 2 = 16); 19 waits
        assertThat(h.consumer.position(P0)).isEqualTo(19);

        h.executor.completeAll();
        h.poll();
        h.poll();
        assertThat(h.executor.submitted()).hasSize(21).doesNotHaveDuplicates();
    }

    @Test
    void undecodableRecordsAndTombstonesAreDeadLetteredWithTheirKeyAndCommitted() {
        WorkerHarness h = new WorkerHarness(Map.of()).start(P0);
        byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);
        h.record(P0, 0, "req-7".getBytes(StandardCharsets.UTF_8), garbage);
        h.record(P0, 1, "req-8".getBytes(StandardCharsets.UTF_8), null);
        h.record(P0, 2, new byte[] {(byte) 0xC3, (byte) 0x28}, garbage); // a key that is not UTF-8
        h.request(P0, 3, "ok");
        h.poll();

        assertThat(h.executor.submitted()).containsExactly("ok");
        List<ProducerRecord<byte[], byte[]>> letters = h.deadLetterRecords();
        assertThat(letters).hasSize(3);
        DeadLetter first = h.deadLetter(letters.get(0));
        assertThat(letters.get(0).key()).isEqualTo("req-7".getBytes(StandardCharsets.UTF_8));
        assertThat(first.getRequestId()).isEqualTo("req-7");
        assertThat(first.getErrorCode()).isEqualTo(ErrorCodes.UNDECODABLE);
        assertThat(first.getStage()).isEqualTo(RecordDecoder.STAGE_DESERIALIZE);
        assertThat(first.getSourceOffset()).isEqualTo(0);
        assertThat(first.getValue().array()).isEqualTo(garbage);
        DeadLetter tombstone = h.deadLetter(letters.get(1));
        assertThat(tombstone.getRequestId()).isEqualTo("req-8");
        assertThat(tombstone.getErrorMessage()).contains("tombstone");
        assertThat(h.deadLetter(letters.get(2)).getRequestId()).isNull();
        assertThat(letters.get(2).key()).isEqualTo(new byte[] {(byte) 0xC3, (byte) 0x28});
        assertThat(h.committed(P0)).isEqualTo(new OffsetAndMetadata(3, ""));
    }
}
