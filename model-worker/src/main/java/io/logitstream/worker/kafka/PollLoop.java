package io.logitstream.worker.kafka;

import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.TokenChunk;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.worker.kafka.InFlightRequests.Completion;
import io.logitstream.worker.kafka.PartitionGate.Reason;
import io.logitstream.worker.kafka.RecordDecoder.Decoded;
import io.logitstream.worker.kafka.TransactionalPublisher.Outgoing;
import io.logitstream.worker.task.RequestExecutor;
import io.logitstream.worker.task.TokenSink;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll thread's work, one {@link #pollOnce() iteration} at a time: poll, admit each new record
 * to the executor at once, take the answers the serving thread handed over, publish them with the
 * offsets in one transaction, and pause or resume partitions (backpressure). It never waits for a
 * computation, except, bounded by {@code revokeWait}, when it gives partitions up. Everything here
 * runs on the poll thread; the only thing the serving thread touches is the queue of answers.
 */
final class PollLoop implements ConsumerRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
    /** Poll timeout while requests are in flight, so answers are published promptly. */
    static final Duration BUSY_POLL = Duration.ofMillis(10);
    private static final long MAX_PUBLISH_BACKOFF_MS = 5000;

    private final WorkerSettings settings;
    private final KafkaClients clients;
    private final RequestExecutor executor;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> transactionalProducer;
    private final Producer<String, byte[]> tokenProducer;
    private final TokenSink tokenSink;
    private final RecordDecoder decoder;
    private final TransactionalPublisher publisher;
    private final CompletedOffsetsCodec codec;
    private final PartitionGate gate;
    private final InFlightRequests inFlight = new InFlightRequests();
    private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
    private final BlockingQueue<Completion> completions = new LinkedBlockingQueue<>();
    /** A fatal error met inside a rebalance callback, rethrown once poll returns. */
    private FatalWorkerException fatal;
    private long nextPublishAtMs;
    private long publishBackoffMs = 100;
    private long admitted;
    private long deadLettered;
    private long dropped;

    PollLoop(WorkerSettings settings, RequestExecutor executor, KafkaClients clients) {
        this.settings = settings;
        this.clients = clients;
        this.executor = executor;
        this.consumer = clients.consumer();
        this.transactionalProducer = clients.transactionalProducer();
        this.tokenProducer = clients.tokenProducer();
        var registry = clients.registry();
        this.tokenSink = new KafkaTokenSink(tokenProducer, new AvroSerializer<>(TokenChunk.class, registry),
                settings.topics().tokens());
        this.decoder = new RecordDecoder(new AvroDeserializer<>(PromptRequest.class, registry), settings.workerId(),
                settings.maxRecordBytes());
        this.publisher = new TransactionalPublisher(transactionalProducer,
                new AvroSerializer<>(ScoringResult.class, registry), new AvroSerializer<>(DeadLetter.class, registry));
        this.codec = new CompletedOffsetsCodec(settings.offsetMetadataMaxBytes());
        this.gate = new PartitionGate(consumer);
    }

    void start() {
        clients.ensureTopics();
        publisher.initTransactions();
        consumer.subscribe(List.of(settings.requestTopic()), this);
        log.info("Worker {} serving model {}: {} -> {} (tokens -> {}), group {}, up to {} requests in flight",
                settings.workerId(), executor.modelName(), settings.requestTopic(), settings.topics().results(),
                settings.topics().tokens(), settings.groupId(), settings.maxInflight());
    }

    void pollOnce() {
        boolean busy = inFlight.size() > 0 || publisher.hasWork();
        Duration timeout = busy ? shorter(settings.pollInterval()) : settings.pollInterval();
        ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
        throwIfFatal();
        admit(records);
        drainCompletions();
        if (publisher.hasWork() && System.currentTimeMillis() >= nextPublishAtMs) {
            publish();
        }
        gate.sync(budgetFull(), trackers::get, System.currentTimeMillis(), settings.maxInflight());
    }

    // ---- admission

    private void admit(ConsumerRecords<byte[], byte[]> records) {
        long receivedAt = System.currentTimeMillis();
        for (TopicPartition partition : records.partitions()) {
            OffsetTracker tracker = trackers.get(partition);
            if (tracker == null) {
                continue; // not ours (any more): its owner reads it
            }
            for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                if (gate.isHeld(partition)) {
                    break; // an earlier record was put back; this one is read again after it
                }
                admit(partition, tracker, record, receivedAt);
            }
        }
    }

    private void admit(TopicPartition partition, OffsetTracker tracker, ConsumerRecord<byte[], byte[]> record,
            long receivedAt) {
        long offset = record.offset();
        switch (tracker.classify(offset)) {
            case SKIP -> {
                return;
            }
            case BEYOND_WINDOW -> {
                gate.holdBack(partition, offset, Reason.WINDOW, 0);
                return;
            }
            case ADMIT -> {
                if (budgetFull()) {
                    gate.holdBack(partition, offset, Reason.BUDGET, 0);
                    return;
                }
            }
        }
        gate.admitted(partition);
        Decoded decoded = decoder.decode(record, receivedAt);
        if (decoded instanceof Decoded.Request request) {
            tracker.admitted(offset);
            InFlightRequests.Entry entry = inFlight.add(partition, offset, request.item().request().getRequestId());
            inFlight.attach(entry, executor.submit(request.item(), tokenSink,
                    result -> completions.add(new Completion(entry, result))));
            admitted++;
        } else if (decoded instanceof Decoded.Rejected rejected) {
            log.warn("Dead-lettering {}@{}: {}", partition, offset, rejected.letter().getErrorMessage());
            tracker.admitted(offset);
            tracker.completed(offset);
            // Keyed by the dead letter's key: the original key, or its prefix when the letter was cut to fit.
            publisher.add(Outgoing.deadLetter(partition, offset, settings.topics().deadLetters(),
                    rejected.key(), rejected.letter()));
            deadLettered++;
        } else if (decoded instanceof Decoded.RetryLater retry) {
            log.warn("Cannot decode {}@{} now ({}); retrying in {} ms", partition, offset, retry.reason(),
                    retry.delayMs());
            gate.holdBack(partition, offset, Reason.RETRY, System.currentTimeMillis() + retry.delayMs());
        }
    }

    private boolean budgetFull() {
        return inFlight.size() + publisher.pending() >= settings.maxInflight();
    }

    // ---- answers and publishing

    private void drainCompletions() {
        Completion completion;
        while ((completion = completions.poll()) != null) {
            accept(completion);
        }
    }

    private void accept(Completion completion) {
        InFlightRequests.Entry entry = completion.entry();
        if (!inFlight.answered(entry)) {
            dropped++;
            log.debug("Dropping the late result of {}: its partition is no longer this worker's", entry);
            return;
        }
        trackers.get(entry.partition).completed(entry.offset);
        publisher.add(Outgoing.result(entry.partition, entry.offset, settings.topics().results(), completion.result()));
    }

    private TransactionalPublisher.Outcome publish() {
        if (publisher.pending() > 0) {
            // A committed result promises its token chunks: they were sent before it, make them durable
            // first, so a crash right after the commit cannot leave a committed result with a broken stream.
            tokenProducer.flush();
        }
        TransactionalPublisher.Outcome outcome = publisher.publish(this::commitOffsets, consumer.groupMetadata());
        if (outcome == TransactionalPublisher.Outcome.COMMITTED) {
            publishBackoffMs = 100;
            nextPublishAtMs = 0;
        } else {
            nextPublishAtMs = System.currentTimeMillis() + publishBackoffMs;
            publishBackoffMs = Math.min(publishBackoffMs * 2, MAX_PUBLISH_BACKOFF_MS);
        }
        return outcome;
    }

    private Map<TopicPartition, OffsetAndMetadata> commitOffsets(Set<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        partitions.forEach(p -> offsets.put(p, trackers.get(p).toCommit()));
        return offsets;
    }

    // ---- rebalances, stop

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Set<TopicPartition> added = new HashSet<>(partitions);
        added.removeAll(trackers.keySet()); // one still owned keeps its tracker (and its requests in flight)
        if (added.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(added);
        for (TopicPartition partition : added) {
            OffsetTracker tracker = trackerFrom(partition, committed.get(partition));
            trackers.put(partition, tracker);
            log.info("Assigned {}: resuming at offset {}, {} offsets completed beyond it are skipped", partition,
                    tracker.commitOffset() < 0 ? "(none committed)" : tracker.commitOffset(), tracker.doneAhead());
        }
    }

    private OffsetTracker trackerFrom(TopicPartition partition, OffsetAndMetadata committed) {
        if (committed == null) {
            return OffsetTracker.fresh(codec);
        }
        try {
            return OffsetTracker.resume(codec, committed);
        } catch (IllegalArgumentException e) {
            log.warn("{}: unreadable completed-offsets metadata ({}); resuming at offset {} without it, so"
                    + " requests completed beyond it are served again", partition, e.getMessage(), committed.offset());
            return OffsetTracker.resume(codec, new OffsetAndMetadata(committed.offset()));
        }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        release(partitions, "Revoked");
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        Set<TopicPartition> owned = owned(partitions);
        if (!owned.isEmpty()) {
            int cancelled = inFlight.countIn(owned);
            int unpublished = publisher.drop(owned);
            forget(owned);
            log.warn("Lost {} (the group moved on without this worker): cancelled {} requests, dropped {} unpublished"
                    + " answers; their new owner serves them", owned, cancelled, unpublished);
        }
    }

    /** Stopping: finish what is near, commit it, cancel the rest. */
    void finish() {
        release(trackers.keySet(), "Stopping with");
        throwIfFatal();
    }

    /** After a fatal error: cancel everything; nothing more can be committed. */
    void abandon() {
        int cancelled = inFlight.cancelAll();
        trackers.clear();
        log.info("Cancelled {} requests in flight; their partitions' next owner serves them", cancelled);
    }

    /**
     * Gives partitions up: waits (bounded) for their requests in flight, publishes and commits what
     * finished, cancels the rest. What is cancelled or left unpublished stays uncommitted, so the next
     * owner serves it once.
     */
    private void release(Collection<TopicPartition> partitions, String why) {
        Set<TopicPartition> owned = owned(partitions);
        if (owned.isEmpty()) {
            return;
        }
        int busy = inFlight.countIn(owned);
        if (busy > 0) {
            log.info("{} {}: {} requests in flight, waiting up to {} ms for them", why, owned, busy,
                    settings.revokeWait().toMillis());
        }
        long deadline = System.currentTimeMillis() + settings.revokeWait().toMillis();
        long publishedBefore = publisher.published();
        if (fatal == null) {
            try {
                awaitInFlight(owned, deadline);
                publishBefore(deadline);
            } catch (FatalWorkerException e) {
                fatal = e;
            }
        }
        int cancelled = inFlight.countIn(owned);
        int unpublished = publisher.drop(owned);
        forget(owned);
        log.info("{} {}: {} records committed, {} requests cancelled, {} answers left unpublished; their next owner"
                + " serves what was not committed", why, owned, publisher.published() - publishedBefore, cancelled,
                unpublished);
    }

    private void awaitInFlight(Set<TopicPartition> partitions, long deadline) {
        long remaining;
        while (inFlight.countIn(partitions) > 0 && (remaining = deadline - System.currentTimeMillis()) > 0) {
            try {
                Completion completion = completions.poll(remaining, TimeUnit.MILLISECONDS);
                if (completion != null) {
                    accept(completion);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        drainCompletions();
    }

    private void publishBefore(long deadline) {
        while (publisher.hasWork()) {
            if (publish() == TransactionalPublisher.Outcome.COMMITTED) {
                continue;
            }
            long pause = Math.min(nextPublishAtMs, deadline) - System.currentTimeMillis();
            if (System.currentTimeMillis() >= deadline || !sleep(pause)) {
                break;
            }
        }
        if (publisher.commitInDoubt()) {
            throw new FatalWorkerException("The outcome of a commit is still unknown while giving partitions up", null);
        }
    }

    private void forget(Set<TopicPartition> partitions) {
        decoder.forget(partitions);
        inFlight.cancel(partitions);
        trackers.keySet().removeAll(partitions);
        gate.forget(partitions);
    }

    private Set<TopicPartition> owned(Collection<TopicPartition> partitions) {
        Set<TopicPartition> owned = new HashSet<>(partitions);
        owned.retainAll(trackers.keySet());
        return owned;
    }

    private void throwIfFatal() {
        if (fatal != null) {
            throw fatal;
        }
    }

    /** Stops the executor, then closes the clients (the token producer last: the executor may still send). */
    void close() {
        closeQuietly(executor);
        closeQuietly(consumer);
        closeQuietly(() -> transactionalProducer.close(Duration.ofSeconds(5)));
        closeQuietly(() -> tokenProducer.close(Duration.ofSeconds(5)));
        log.info("Worker {} stopped: {} requests admitted, {} dead letters, {} records published in {} transactions,"
                + " {} late results dropped", settings.workerId(), admitted, deadLettered, publisher.published(),
                publisher.transactions(), dropped);
    }

    private static Duration shorter(Duration pollInterval) {
        return pollInterval.compareTo(BUSY_POLL) < 0 ? pollInterval : BUSY_POLL;
    }

    private static boolean sleep(long millis) {
        if (millis <= 0) {
            return true;
        }
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.debug("Close failed: {}", e.toString());
        }
    }
}
