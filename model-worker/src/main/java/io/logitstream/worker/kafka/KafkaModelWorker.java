package io.logitstream.worker.kafka;

import io.logitstream.contract.DeadLetters;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.TokenChunk;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.serde.RecordDecodeException;
import io.logitstream.worker.task.RequestHandler;
import io.logitstream.worker.task.WorkItem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka side of a model worker: one member of the consumer group of its model.
 *
 * <p>Delivery: the final results (and dead letters) of a batch are written in one producer
 * transaction together with the consumed offsets, so a crash never loses or duplicates a final
 * result. Token chunks go through a separate idempotent producer, outside the transaction.
 *
 * <p>Liveness: computing happens on its own thread. While a batch computes, the poll thread pauses
 * every assigned partition and keeps polling, so a long generation never exceeds
 * max.poll.interval.ms and never triggers a rebalance.
 */
public final class KafkaModelWorker implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaModelWorker.class);
    static final String STAGE_DESERIALIZE = "worker.deserialize";

    private final WorkerSettings settings;
    private final RequestHandler handler;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<String, byte[]> transactional;
    private final KafkaProducer<String, byte[]> tokenProducer;
    private final AvroDeserializer<PromptRequest> requestDeserializer;
    private final AvroSerializer<ScoringResult> resultSerializer;
    private final AvroSerializer<DeadLetter> deadLetterSerializer;
    private final KafkaTokenSink tokenSink;
    private final ExecutorService compute;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Future<BatchOutcome> inFlight;
    private long batches;
    private long requests;

    public KafkaModelWorker(WorkerSettings settings, RequestHandler handler) {
        this.settings = settings;
        this.handler = handler;
        SchemaRegistryClient registry = new RestSchemaRegistryClient(settings.registryUrl());
        this.requestDeserializer = new AvroDeserializer<>(PromptRequest.class, registry);
        this.resultSerializer = new AvroSerializer<>(ScoringResult.class, registry);
        this.deadLetterSerializer = new AvroSerializer<>(DeadLetter.class, registry);
        this.consumer = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.transactional = new KafkaProducer<>(transactionalProps(), new StringSerializer(), new ByteArraySerializer());
        this.tokenProducer = new KafkaProducer<>(tokenProps(), new StringSerializer(), new ByteArraySerializer());
        this.tokenSink = new KafkaTokenSink(tokenProducer, new AvroSerializer<>(TokenChunk.class, registry),
                settings.topics().tokens());
        this.compute = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "compute-" + settings.modelName());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void run() {
        try {
            WorkerTopics.ensure(settings);
            transactional.initTransactions();
            consumer.subscribe(List.of(settings.requestTopic()), new CommitBeforeRevoke());
            log.info("Worker {} serving model {}: {} -> {} (tokens -> {}), group {}", settings.workerId(),
                    settings.modelName(), settings.requestTopic(), settings.topics().results(),
                    settings.topics().tokens(), settings.groupId());
            while (!stopping.get()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(settings.pollInterval());
                if (inFlight != null) {
                    giveBack(records);
                    consumer.pause(consumer.assignment());
                    if (inFlight.isDone()) {
                        finishBatch();
                    }
                } else if (!records.isEmpty()) {
                    consumer.pause(consumer.assignment());
                    long receivedAt = System.currentTimeMillis();
                    inFlight = compute.submit(() -> process(records, receivedAt));
                }
            }
        } catch (WakeupException e) {
            if (!stopping.get()) {
                throw e;
            }
        } catch (ProducerFencedException e) {
            log.error("Another worker with transactional id {} took over; this one stops",
                    settings.transactionalId());
        } finally {
            shutdown();
        }
    }

    /** Decodes and computes one batch on the compute thread. */
    private BatchOutcome process(ConsumerRecords<byte[], byte[]> records, long receivedAt) {
        List<WorkItem> items = new ArrayList<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            next.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
            try {
                PromptRequest request = requestDeserializer.deserialize(record.topic(), record.headers(), record.value());
                if (request == null) {
                    throw new RecordDecodeException(io.logitstream.serde.DecodeError.CORRUPT_PAYLOAD,
                            "Record has no value (tombstone); a PromptRequest was expected");
                }
                items.add(new WorkItem(request, record.timestamp(), receivedAt));
            } catch (RecordDecodeException e) {
                if (e.isTransient()) {
                    throw e; // not the record's fault: the whole batch is retried
                }
                log.warn("Dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                        e.getMessage());
                deadLetters.add(DeadLetters.of(
                        new DeadLetters.Source(record.topic(), record.partition(), record.offset(), record.timestamp()),
                        record.key(), record.value(), record.headers(),
                        new DeadLetters.Failure(STAGE_DESERIALIZE, ErrorCodes.UNDECODABLE,
                                e.error() + ": " + e.getMessage(), null, settings.workerId())));
            }
        }
        List<ScoringResult> results = items.isEmpty() ? List.of() : handler.handle(items, tokenSink);
        return new BatchOutcome(results, deadLetters, next);
    }

    /** Waits for the batch in flight, publishes it and its offsets in one transaction, then resumes consuming. */
    private void finishBatch() {
        BatchOutcome outcome;
        try {
            outcome = inFlight.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException e) {
            inFlight = null;
            log.error("Batch failed before producing results; rewinding to retry it", e.getCause());
            rewindToCommitted();
            sleepQuietly(Duration.ofSeconds(1));
            consumer.resume(consumer.paused());
            return;
        }
        inFlight = null;
        try {
            transactional.beginTransaction();
            String results = settings.topics().results();
            for (ScoringResult result : outcome.results()) {
                transactional.send(new ProducerRecord<>(results, result.getRequestId(),
                        resultSerializer.serialize(results, result)));
            }
            String dlq = settings.topics().deadLetters();
            for (DeadLetter deadLetter : outcome.deadLetters()) {
                transactional.send(new ProducerRecord<>(dlq, deadLetter.getRequestId(),
                        deadLetterSerializer.serialize(dlq, deadLetter)));
            }
            transactional.sendOffsetsToTransaction(outcome.nextOffsets(), consumer.groupMetadata());
            transactional.commitTransaction();
            batches++;
            requests += outcome.results().size();
            log.debug("Committed batch {}: {} results, {} dead letters", batches, outcome.results().size(),
                    outcome.deadLetters().size());
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
            throw e; // fatal for this producer: stop the worker
        } catch (KafkaException e) {
            log.warn("Transaction failed ({}); aborting and retrying the batch", e.toString());
            transactional.abortTransaction();
            rewindToCommitted();
        }
        consumer.resume(consumer.paused());
    }

    /** Records fetched while a batch was in flight (e.g. from a newly assigned partition) are re-read later. */
    private void giveBack(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            consumer.seek(tp, records.records(tp).get(0).offset());
        }
    }

    private void rewindToCommitted() {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata offset = committed.get(tp);
            if (offset != null) {
                consumer.seek(tp, offset.offset());
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
    }

    /** Finishes the batch in flight before partitions move to another worker, so nothing is computed twice. */
    private final class CommitBeforeRevoke implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (inFlight != null) {
                log.info("Partitions {} revoked while a batch is in flight; finishing it first", partitions);
                finishBatch(); // waits for the batch, then commits it with its offsets
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            log.info("Assigned {}", partitions);
        }
    }

    /** Asks the worker to stop after the batch in flight; returns at once. */
    public void stop() {
        stopping.set(true);
        consumer.wakeup();
    }

    @Override
    public void close() {
        stop();
        try {
            if (!stopped.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                log.warn("Worker did not stop within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void shutdown() {
        try {
            if (inFlight != null) {
                log.info("Finishing the batch in flight before stopping");
                finishBatch(); // waits for the batch, then commits it with its offsets
            }
        } catch (RuntimeException e) {
            log.warn("Could not commit the last batch; it will be processed again: {}", e.toString());
        } finally {
            compute.shutdownNow();
            closeQuietly(consumer);
            closeQuietly(transactional);
            closeQuietly(tokenProducer);
            log.info("Worker {} stopped after {} batches, {} requests", settings.workerId(), batches, requests);
            stopped.countDown();
        }
    }

    private Properties consumerProps() {
        Properties p = new Properties();
        p.putAll(settings.clientProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.workerId() + "-consumer");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(settings.maxBatch()));
        return p;
    }

    private Properties transactionalProps() {
        Properties p = producerBase("-results");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
        return p;
    }

    private Properties tokenProps() {
        Properties p = producerBase("-tokens");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "0"); // a live stream wants each token out now
        return p;
    }

    private Properties producerBase(String suffix) {
        Properties p = new Properties();
        p.putAll(settings.clientProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, settings.workerId() + suffix);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return p;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.debug("Close failed: {}", e.toString());
        }
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
