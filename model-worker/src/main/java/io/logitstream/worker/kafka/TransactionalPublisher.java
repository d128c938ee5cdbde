package io.logitstream.worker.kafka;

import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.ScoringResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes finished work (results and dead letters) together with the consumed offsets, in one
 * transaction per attempt; used by the poll thread only.
 *
 * <p>Nothing is ever lost or published twice: a record stays here until the transaction that
 * carries it has committed. When a transaction fails with an abortable error it is aborted (its
 * records and offsets vanish) and the same records go out again in the next one, without being
 * computed again. When a commit times out its outcome is unknown, so the same commit is retried
 * (never aborted, which could duplicate); any other failure then is fatal. Fencing, authorization
 * and sequence errors are fatal ({@link FatalWorkerException}).
 */
final class TransactionalPublisher {

    private static final Logger log = LoggerFactory.getLogger(TransactionalPublisher.class);

    /** What an attempt achieved. */
    enum Outcome { COMMITTED, RETRY_LATER }

    /** One record to publish, and the consumed record it answers. */
    record Outgoing(TopicPartition source, long offset, String topic, byte[] key, Object value) {

        static Outgoing result(TopicPartition source, long offset, String topic, ScoringResult result) {
            return new Outgoing(source, offset, topic, result.getRequestId().getBytes(StandardCharsets.UTF_8), result);
        }

        static Outgoing deadLetter(TopicPartition source, long offset, String topic, byte[] originalKey,
                DeadLetter letter) {
            return new Outgoing(source, offset, topic, originalKey, letter);
        }
    }

    private final Producer<byte[], byte[]> producer;
    private final Serializer<ScoringResult> resultSerializer;
    private final Serializer<DeadLetter> deadLetterSerializer;
    private final List<Outgoing> waiting = new ArrayList<>();
    /** Sent in the open transaction whose commit timed out: its outcome is unknown until a retry answers. */
    private List<Outgoing> committing = List.of();
    private boolean commitTimedOut;
    private long transactions;
    private long published;

    TransactionalPublisher(Producer<byte[], byte[]> producer, Serializer<ScoringResult> resultSerializer,
            Serializer<DeadLetter> deadLetterSerializer) {
        this.producer = producer;
        this.resultSerializer = resultSerializer;
        this.deadLetterSerializer = deadLetterSerializer;
    }

    void initTransactions() {
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            throw isFatal(e) ? new FatalWorkerException("Cannot initialise transactions", e) : e;
        }
    }

    void add(Outgoing outgoing) {
        waiting.add(outgoing);
    }

    boolean hasWork() {
        return !waiting.isEmpty() || !committing.isEmpty();
    }

    /** Records held until a commit: they count against the in-flight budget. */
    int pending() {
        return waiting.size() + committing.size();
    }

    /** True while a commit's outcome is unknown (it timed out and must be retried). */
    boolean commitInDoubt() {
        return !committing.isEmpty();
    }

    /** Forgets what waits for the given partitions (they moved away; their next owner serves them). */
    int drop(Collection<TopicPartition> partitions) {
        int before = waiting.size();
        waiting.removeIf(o -> partitions.contains(o.source()));
        return before - waiting.size();
    }

    long transactions() {
        return transactions;
    }

    long published() {
        return published;
    }

    /**
     * One attempt: everything waiting, plus the offsets {@code offsets} gives for the partitions it
     * answers, in one transaction. Returns at once when there is nothing to do.
     */
    Outcome publish(Function<Set<TopicPartition>, Map<TopicPartition, OffsetAndMetadata>> offsets,
            ConsumerGroupMetadata group) {
        if (!committing.isEmpty()) {
            return commit();
        }
        if (waiting.isEmpty()) {
            return Outcome.COMMITTED;
        }
        List<Outgoing> batch = List.copyOf(waiting);
        List<ProducerRecord<byte[], byte[]>> records;
        try {
            records = batch.stream().map(this::serialize).toList();
        } catch (RuntimeException e) {
            log.warn("Cannot serialize {} records ({}); retrying later", batch.size(), e.toString());
            return Outcome.RETRY_LATER;
        }
        Set<TopicPartition> sources = new LinkedHashSet<>();
        batch.forEach(o -> sources.add(o.source()));
        try {
            producer.beginTransaction();
            AtomicReference<Exception> sendError = new AtomicReference<>();
            for (ProducerRecord<byte[], byte[]> record : records) {
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        sendError.compareAndSet(null, error);
                    }
                });
            }
            producer.flush();
            if (sendError.get() != null) {
                throw new KafkaException("A send in the transaction failed", sendError.get());
            }
            producer.sendOffsetsToTransaction(offsets.apply(sources), group);
        } catch (RuntimeException e) {
            abort(e, batch.size());
            return Outcome.RETRY_LATER;
        }
        waiting.clear();
        committing = batch;
        commitTimedOut = false;
        return commit();
    }

    private Outcome commit() {
        try {
            producer.commitTransaction();
        } catch (TimeoutException | InterruptException e) {
            commitTimedOut = true;
            log.warn("Commit of {} records timed out; its outcome is unknown, so the same commit is retried",
                    committing.size());
            return Outcome.RETRY_LATER;
        } catch (RuntimeException e) {
            if (commitTimedOut) {
                throw new FatalWorkerException("A commit that timed out then failed; its outcome is unknown", e);
            }
            abort(e, committing.size());
            waiting.addAll(0, committing);
            committing = List.of();
            return Outcome.RETRY_LATER;
        }
        transactions++;
        published += committing.size();
        log.debug("Committed transaction {}: {} records", transactions, committing.size());
        committing = List.of();
        return Outcome.COMMITTED;
    }

    private void abort(RuntimeException cause, int records) {
        if (isFatal(cause)) {
            throw new FatalWorkerException("Transaction failed fatally: " + cause, cause);
        }
        log.warn("Transaction of {} records failed ({}); aborting, they are published again in the next one",
                records, cause.toString());
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            throw new FatalWorkerException("Cannot abort a failed transaction: " + e, e);
        }
    }

    private ProducerRecord<byte[], byte[]> serialize(Outgoing outgoing) {
        byte[] value = outgoing.value() instanceof ScoringResult result
                ? resultSerializer.serialize(outgoing.topic(), result)
                : deadLetterSerializer.serialize(outgoing.topic(), (DeadLetter) outgoing.value());
        return new ProducerRecord<>(outgoing.topic(), outgoing.key(), value);
    }

    /** Errors after which this producer cannot go on (Kafka's documented transactional fatal errors). */
    static boolean isFatal(Throwable error) {
        for (Throwable e = error; e != null; e = e.getCause()) {
            if (e instanceof ProducerFencedException || e instanceof OutOfOrderSequenceException
                    || e instanceof AuthorizationException || e instanceof AuthenticationException
                    || e instanceof UnsupportedVersionException) {
                return true;
            }
        }
        return false;
    }
}
