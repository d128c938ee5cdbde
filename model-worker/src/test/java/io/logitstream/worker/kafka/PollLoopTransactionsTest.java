package io.logitstream.worker.kafka;

import static io.logitstream.worker.kafka.WorkerHarness.partition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** Failed transactions: nothing lost, nothing published twice, nothing computed again. */
class PollLoopTransactionsTest {

    private static final TopicPartition P0 = partition(0);

    @Test
    void aFailedCommitIsAbortedAndTheSameResultsArePublishedAgainWithoutRecomputing() throws Exception {
        WorkerHarness h = new WorkerHarness(Map.of()).start(P0);
        h.request(P0, 0, "a");
        h.request(P0, 1, "b");
        h.poll();
        h.executor.complete("b");
        h.producer.commitTransactionException = new KafkaException("broker hiccup");
        h.poll();
        assertThat(h.producer.transactionAborted()).isTrue();
        assertThat(h.publishedResults()).isEmpty();
        assertThat(h.committed()).isEmpty();

        h.producer.commitTransactionException = null;
        h.executor.complete("a");
        afterBackoff(h);
        assertThat(h.publishedResults()).containsExactly("b", "a");
        assertThat(h.committed(P0)).isEqualTo(new OffsetAndMetadata(2, ""));
        assertThat(h.executor.submitted()).containsExactly("a", "b");
    }

    @Test
    void aFailedSendAbortsTheTransactionAndIsRetried() throws Exception {
        WorkerHarness h = new WorkerHarness(Map.of()).start(P0);
        h.request(P0, 0, "a");
        h.poll();
        h.executor.complete("a");
        h.producer.sendException = new KafkaException("record too large for now");
        h.poll();
        assertThat(h.producer.transactionAborted()).isTrue();
        assertThat(h.publishedResults()).isEmpty();

        h.producer.sendException = null;
        afterBackoff(h);
        assertThat(h.publishedResults()).containsExactly("a");
        assertThat(h.committed(P0)).isEqualTo(new OffsetAndMetadata(1, ""));
    }

    @Test
    void aCommitThatTimesOutIsRetriedAsIsNeverAborted() throws Exception {
        WorkerHarness h = new WorkerHarness(Map.of()).start(P0);
        h.request(P0, 0, "a");
        h.request(P0, 1, "b");
        h.poll();
        h.executor.complete("a");
        h.producer.commitTransactionException = new TimeoutException("no answer from the coordinator");
        h.poll();
        assertThat(h.producer.transactionInFlight()).isTrue();
        assertThat(h.producer.transactionAborted()).isFalse();

        h.producer.commitTransactionException = null;
        h.executor.complete("b"); // goes in the next transaction, not in the one being committed
        afterBackoff(h);
        assertThat(h.publishedResults()).containsExactly("a");
        assertThat(h.committed(P0)).isEqualTo(new OffsetAndMetadata(1, ""));
        h.poll();
        assertThat(h.publishedResults()).containsExactly("a", "b");
        assertThat(h.committed(P0)).isEqualTo(new OffsetAndMetadata(2, ""));
    }

    @Test
    void aFencedProducerIsFatal() {
        WorkerHarness h = new WorkerHarness(Map.of()).start(P0);
        h.request(P0, 0, "a");
        h.poll();
        h.executor.complete("a");
        h.producer.fenceProducer();
        assertThatThrownBy(h::poll).isInstanceOf(FatalWorkerException.class);
        assertThat(h.publishedResults()).isEmpty();
    }

    @Test
    void anUnauthorizedTransactionIsFatal() {
        WorkerHarness h = new WorkerHarness(Map.of()).start(P0);
        h.request(P0, 0, "a");
        h.poll();
        h.executor.complete("a");
        h.producer.commitTransactionException =
                new org.apache.kafka.common.errors.TransactionalIdAuthorizationException("no ACL");
        assertThatThrownBy(h::poll).isInstanceOf(FatalWorkerException.class);
        assertThat(h.producer.transactionAborted()).isFalse();
    }

    /** Polls once the publisher's retry backoff (100 ms after a first failure) has passed. */
    private static void afterBackoff(WorkerHarness h) throws InterruptedException {
        Thread.sleep(150);
        h.poll();
    }
}
