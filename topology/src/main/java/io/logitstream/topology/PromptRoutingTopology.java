package io.logitstream.topology;

import io.logitstream.contract.Topics;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerdes;
import io.logitstream.topology.route.DedupeProcessor;
import io.logitstream.topology.route.InspectProcessor;
import io.logitstream.topology.route.Inspection;
import io.logitstream.topology.route.RequestTopics;
import io.logitstream.contract.TopicCreator;
import io.logitstream.topology.validate.RequestValidator;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The routing topology:
 * <pre>
 * llm.prompts (bytes) -> decode + validate -+-> rejected   -> llm.dlq      (DeadLetter, original bytes)
 *                                           +-> unservable -> llm.results  (ScoringResult, status ERROR)
 *                                           +-> accepted   -> dedupe(request_id) -> llm.requests.&lt;model&gt;
 * </pre>
 * Records are read as raw bytes so that any failure can be dead-lettered with what arrived.
 */
public final class PromptRoutingTopology {

    public static final String DEDUPE_STORE = "seen-request-ids";

    private final Topics topics;
    private final Set<String> servedModels;
    private final Duration dedupeRetention;
    private final SchemaRegistryClient registry;
    private final TopicCreator topicCreator;

    public PromptRoutingTopology(Topics topics, Set<String> servedModels, Duration dedupeRetention,
            SchemaRegistryClient registry, TopicCreator topicCreator) {
        this.topics = topics;
        this.servedModels = Set.copyOf(servedModels);
        this.dedupeRetention = dedupeRetention;
        this.registry = registry;
        this.topicCreator = topicCreator;
    }

    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.inMemoryWindowStore(DEDUPE_STORE, dedupeRetention, dedupeRetention, false),
                Serdes.String(), Serdes.Long()));

        KStream<byte[], Inspection> inspected = builder
                .stream(topics.prompts(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("read-prompts"))
                .processValues(() -> new InspectProcessor(new AvroDeserializer<>(PromptRequest.class, registry),
                        new RequestValidator(), servedModels), Named.as("decode-and-validate"));

        Map<String, KStream<byte[], Inspection>> outcome = inspected.split(Named.as("outcome-"))
                .branch((key, value) -> value instanceof Inspection.Rejected, Branched.as("rejected"))
                .branch((key, value) -> value instanceof Inspection.Unservable, Branched.as("unservable"))
                .defaultBranch(Branched.as("accepted"));

        outcome.get("outcome-rejected")
                .map((key, value) -> KeyValue.pair(keyString(key), ((Inspection.Rejected) value).deadLetter()),
                        Named.as("to-dead-letter"))
                .to(topics.deadLetters(), Produced.with(Serdes.String(), AvroSerdes.of(DeadLetter.class, registry))
                        .withName("write-dlq"));

        outcome.get("outcome-unservable")
                .map((key, value) -> {
                    ScoringResult result = ((Inspection.Unservable) value).result();
                    return KeyValue.pair(result.getRequestId(), result);
                }, Named.as("to-error-result"))
                .to(topics.results(), Produced.with(Serdes.String(), AvroSerdes.of(ScoringResult.class, registry))
                        .withName("write-error-results"));

        outcome.get("outcome-accepted")
                .map((key, value) -> {
                    PromptRequest request = ((Inspection.Accepted) value).request();
                    return KeyValue.pair(request.getRequestId(), request);
                }, Named.as("key-by-request-id"))
                .processValues(() -> new DedupeProcessor(DEDUPE_STORE, dedupeRetention), Named.as("dedupe"),
                        DEDUPE_STORE)
                .to(new RequestTopics(topics, topicCreator),
                        Produced.with(Serdes.String(), AvroSerdes.of(PromptRequest.class, registry))
                                .withName("route-to-model"));
        return builder.build();
    }

    private static String keyString(byte[] key) {
        return key == null ? null : new String(key, java.nio.charset.StandardCharsets.UTF_8);
    }
}
