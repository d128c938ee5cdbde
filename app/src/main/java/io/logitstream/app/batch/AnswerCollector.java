package io.logitstream.app.batch;

import io.logitstream.app.runs.TopicReader;
import io.logitstream.contract.Topics;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.RecordDecodeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Follows the results and dead-letter topics from the beginning (committed data only) on its own
 * thread and keeps every answer to a request of the run in the spool: the answers of an earlier,
 * interrupted submit of the same run are collected like new ones. Records of other runs are
 * skipped by their key before they are decoded.
 */
public final class AnswerCollector implements AutoCloseable {

    private final TopicReader reader;
    private final Topics topics;
    private final AnswerFilter filter;
    private final Map<String, Integer> lineByRequestId;
    private final ResultSpool spool;
    private final RunCounters counters;
    private final AvroDeserializer<ScoringResult> results;
    private final AvroDeserializer<DeadLetter> deadLetters;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final Thread thread;

    public AnswerCollector(TopicReader reader, Topics topics, SchemaRegistryClient registry, String run,
            Map<String, Integer> lineByRequestId, ResultSpool spool, RunCounters counters) {
        this.reader = reader;
        this.topics = topics;
        this.filter = new AnswerFilter(run, lineByRequestId);
        this.lineByRequestId = lineByRequestId;
        this.spool = spool;
        this.counters = counters;
        this.results = new AvroDeserializer<>(ScoringResult.class, registry);
        this.deadLetters = new AvroDeserializer<>(DeadLetter.class, registry);
        this.thread = new Thread(this::run, "collect-answers");
        this.thread.setDaemon(true);
    }

    public AnswerCollector start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            reader.follow(this::handle, closed::get);
        } catch (RuntimeException e) {
            failure.set(e);
        } finally {
            reader.close();
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        AnswerFilter.Answer answer;
        try {
            if (record.topic().equals(topics.results())) {
                if (record.key() != null && !lineByRequestId.containsKey(record.key())) {
                    return; // another run's result: not worth decoding
                }
                ScoringResult result = results.deserialize(record.topic(), record.value());
                if (result == null) {
                    return;
                }
                if (AnswerFilter.isDuplicateNotice(result) && lineByRequestId.containsKey(result.getRequestId())) {
                    counters.duplicateNotices.incrementAndGet();
                }
                answer = filter.of(result);
            } else {
                DeadLetter letter = deadLetters.deserialize(record.topic(), record.value());
                answer = letter == null ? null : filter.of(letter);
            }
        } catch (RecordDecodeException e) {
            if (e.isTransient()) {
                throw e; // the registry is away: skipping would lose an answer
            }
            return; // not a record of the contract: nobody's answer
        }
        if (answer != null) {
            try {
                if (spool.put(answer.line(), answer.json())) {
                    counters.answered(answer.ok());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the spool of answers: " + e.getMessage(), e);
            }
        }
    }

    /** Why the collector stopped on its own, or null while it runs (or after a close). */
    public RuntimeException failure() {
        return failure.get();
    }

    @Override
    public void close() throws InterruptedException {
        closed.set(true);
        reader.wakeup();
        thread.join(10_000);
    }
}
