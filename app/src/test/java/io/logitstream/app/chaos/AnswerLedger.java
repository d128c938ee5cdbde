package io.logitstream.app.chaos;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Every answer a request can get, as a read_committed reader sees them: results on the results
 * topic and dead letters on the dead-letter topic, grouped by the id they answer (a result's
 * request_id; a dead letter's original key, or its request_id when the record had no key).
 */
final class AnswerLedger implements AutoCloseable {

    /**
     * One answer: a dead letter (with its code and stage) or a result (OK, or an error code), and its
     * record's timestamp: for a worker's answer, when the worker sent it (CreateTime), whenever this
     * reader got around to reading it; the topology's answers keep the request's timestamp. For a
     * worker's result also when the worker started computing it ({@code timings.started_at_ms}):
     * when its partition was being served; otherwise the timestamp again.
     */
    record Answer(boolean deadLetter, String code, String stage, long timestampMs, long startedAtMs) {

        boolean duplicateNotice() {
            return !deadLetter && ErrorCodes.DUPLICATE.equals(code);
        }

        boolean ok() {
            return !deadLetter && code.equals(ResultStatus.OK.name());
        }

        @Override
        public String toString() {
            return deadLetter ? "dead letter " + code + " (" + stage + ")" : "result " + code;
        }
    }

    private final String resultsTopic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroDeserializer<ScoringResult> results;
    private final AvroDeserializer<DeadLetter> deadLetters;
    private final Map<String, List<Answer>> byId = new LinkedHashMap<>();

    AnswerLedger(String bootstrap, String registryUrl, String resultsTopic, String deadLetterTopic) {
        this.resultsTopic = resultsTopic;
        this.consumer = TopicPartitions.committedFromStart(bootstrap, "chaos-answers-",
                List.of(resultsTopic, deadLetterTopic), Duration.ofSeconds(60));
        RestSchemaRegistryClient registry = new RestSchemaRegistryClient(registryUrl);
        this.results = new AvroDeserializer<>(ScoringResult.class, registry);
        this.deadLetters = new AvroDeserializer<>(DeadLetter.class, registry);
    }

    void poll(Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
            if (record.topic().equals(resultsTopic)) {
                ScoringResult result = results.deserialize(record.topic(), record.value());
                String code = result.getStatus() == ResultStatus.OK ? ResultStatus.OK.name()
                        : result.getError() == null ? "ERROR (no code)" : result.getError().getCode();
                long startedAt = result.getTimings() == null ? record.timestamp()
                        : result.getTimings().getStartedAtMs();
                add(result.getRequestId(), new Answer(false, code, "result", record.timestamp(), startedAt));
            } else {
                DeadLetter letter = deadLetters.deserialize(record.topic(), record.value());
                String id = letter.getKey() != null
                        ? StandardCharsets.UTF_8.decode(letter.getKey().duplicate()).toString()
                        : letter.getRequestId();
                add(id == null ? "(no key, no request_id)" : id,
                        new Answer(true, letter.getErrorCode(), letter.getStage(), record.timestamp(),
                                record.timestamp()));
            }
        }
    }

    private void add(String id, Answer answer) {
        byId.computeIfAbsent(id, k -> new ArrayList<>()).add(answer);
    }

    /** Reads up to the last stable offset as of this call. */
    void drainToCommittedEnd(Duration timeout) {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read up to " + end + " within " + timeout);
            }
            poll(Duration.ofMillis(100));
        }
    }

    List<Answer> answersFor(String id) {
        return byId.getOrDefault(id, List.of());
    }

    /** How many answers were read, all ids together. */
    int count() {
        return byId.values().stream().mapToInt(List::size).sum();
    }

    Map<String, List<Answer>> all() {
        return byId;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
