package io.logitstream.topology;

import io.logitstream.contract.DeadLetterFit;
import io.logitstream.contract.TopicCreator;
import io.logitstream.contract.Topics;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerdes;
import io.logitstream.topology.route.AffinityPartitioner;
import io.logitstream.topology.route.DecodeRetry;
import io.logitstream.topology.route.InspectProcessor;
import io.logitstream.topology.route.Inspection;
import io.logitstream.topology.route.ModelRoutes;
import io.logitstream.topology.route.RequestTopics;
import io.logitstream.topology.validate.RequestValidator;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
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
 * llm.prompts (bytes) -> decode -> dedupe(request_id) -> validate -> route
 *      undecodable, invalid                -> llm.dlq              (DeadLetter, original bytes)
 *      duplicate, unknown model            -> llm.results          (ScoringResult, status ERROR)
 *      new, valid, served                  -> llm.requests.&lt;model&gt; (PromptRequest)
 * </pre>
 * A routed request keeps its request_id as key; its partition follows its session, prefix key or
 * text prefix when it names one ({@link AffinityPartitioner}), so one worker's cache serves them.
 * Records are read as raw bytes so that any failure can be dead-lettered with what arrived.
 */
public final class PromptRoutingTopology {

    public static final String DEDUPE_STORE = "seen-request-ids";

    private final Topics topics;
    private final Set<String> servedModels;
    private final Duration dedupeRetention;
    private final SchemaRegistryClient registry;
    private final TopicCreator topicCreator;
    private final IntSupplier maxRecordBytes;
    private final DecodeRetry decodeRetry;
    private Consumer<Inspection> observer = inspection -> { };

    public PromptRoutingTopology(Topics topics, Set<String> servedModels, Duration dedupeRetention,
            SchemaRegistryClient registry, TopicCreator topicCreator) {
        this(topics, servedModels, dedupeRetention, registry, topicCreator,
                () -> DeadLetterFit.DEFAULT_MAX_RECORD_BYTES, DecodeRetry.defaults());
    }

    /**
     * @param maxRecordBytes the most a record this topology writes may take (its producer's
     *                       max.request.size, at most the dead-letter topic's max.message.bytes); read
     *                       when a task starts
     * @param decodeRetry    how often a decode that failed for a transient reason is tried again
     */
    public PromptRoutingTopology(Topics topics, Set<String> servedModels, Duration dedupeRetention,
            SchemaRegistryClient registry, TopicCreator topicCreator, IntSupplier maxRecordBytes,
            DecodeRetry decodeRetry) {
        this.topics = topics;
        this.servedModels = Set.copyOf(servedModels);
        this.dedupeRetention = dedupeRetention;
        this.registry = registry;
        this.topicCreator = topicCreator;
        this.maxRecordBytes = maxRecordBytes;
        this.decodeRetry = decodeRetry;
    }

    /** Tells {@code observer} every decision, on the stream threads (metrics); it must only record. */
    public PromptRoutingTopology observedBy(Consumer<Inspection> observer) {
        this.observer = observer;
        return this;
    }

    /** The routing alone. */
    public Topology build() {
        StreamsBuilder builder = new StreamsBuilder();
        addTo(builder);
        return builder.build();
    }

    /**
     * Adds the routing to {@code builder} (first, so its sub-topology and tasks keep their ids when
     * more is added after it) and returns its decisions, one per prompt record, for whatever else
     * wants to follow them (the run summaries count the requests of each run).
     */
    public KStream<byte[], Inspection> addTo(StreamsBuilder builder) {
        // Persistent (RocksDB) rather than in memory, although the changelog alone could rebuild it:
        // Kafka Streams keeps its process id in the state directory only when a store is persistent,
        // and the process id is part of the exactly-once transactional id. With it, a topology
        // restarted after kill -9 uses its dead self's transactional id and aborts the transaction
        // left open at once, instead of every read_committed reader waiting for the coordinator to
        // time it out (transaction.timeout.ms plus the broker's abort-check interval: 10-20 s).
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(DEDUPE_STORE, dedupeRetention, dedupeRetention, false),
                Serdes.String(), Serdes.Long()));

        ModelRoutes routes = new ModelRoutes(topics, servedModels, topicCreator);
        KStream<byte[], Inspection> inspected = builder
                .stream(topics.prompts(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("read-prompts"))
                .processValues(() -> new InspectProcessor(new AvroDeserializer<>(PromptRequest.class, registry),
                        decodeRetry, new RequestValidator(), routes, DEDUPE_STORE, dedupeRetention, maxRecordBytes),
                        Named.as("decode-dedupe-validate"), DEDUPE_STORE)
                .peek((key, inspection) -> observer.accept(inspection), Named.as("observe-outcome"));

        Map<String, KStream<byte[], Inspection>> outcome = inspected.split(Named.as("outcome-"))
                .branch((key, value) -> value instanceof Inspection.Rejected, Branched.as("rejected"))
                .branch((key, value) -> value instanceof Inspection.Answered, Branched.as("answered"))
                .defaultBranch(Branched.as("accepted"));

        // Keyed by the dead letter's key (the original key, or its prefix when cut to fit), as raw bytes.
        outcome.get("outcome-rejected")
                .map((key, value) -> {
                    DeadLetter letter = ((Inspection.Rejected) value).deadLetter();
                    return KeyValue.pair(bytes(letter.getKey()), letter);
                }, Named.as("to-dead-letter"))
                .to(topics.deadLetters(), Produced.with(Serdes.ByteArray(), AvroSerdes.of(DeadLetter.class, registry))
                        .withName("write-dlq"));

        outcome.get("outcome-answered")
                .map((key, value) -> {
                    ScoringResult result = ((Inspection.Answered) value).result();
                    return KeyValue.pair(result.getRequestId(), result);
                }, Named.as("to-error-result"))
                .to(topics.results(), Produced.with(Serdes.String(), AvroSerdes.of(ScoringResult.class, registry))
                        .withName("write-error-results"));

        outcome.get("outcome-accepted")
                .map((key, value) -> {
                    PromptRequest request = ((Inspection.Accepted) value).request();
                    return KeyValue.pair(request.getRequestId(), request);
                }, Named.as("key-by-request-id"))
                .to(new RequestTopics(topics),
                        Produced.with(Serdes.String(), AvroSerdes.of(PromptRequest.class, registry))
                                .withStreamPartitioner(new AffinityPartitioner())
                                .withName("route-to-model"));
        return inspected;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
