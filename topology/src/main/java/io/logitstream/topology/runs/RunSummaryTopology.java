package io.logitstream.topology.runs;

import io.logitstream.contract.Topics;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.RunSummary;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerdes;
import io.logitstream.topology.route.DecodeRetry;
import io.logitstream.topology.route.Inspection;
import java.time.Duration;
import java.util.function.IntSupplier;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Run summaries, added to the routing application's builder:
 * <pre>
 * routing decisions (llm.prompts) -> requests received per run  -> repartition by run_id -+
 * llm.results -> results store (request_id) -> contribution per run -> repartition by run_id -+
 *                                        merge -> run-summaries store (run_id) -> llm.runs (compacted)
 * </pre>
 * Each record becomes a small summary of itself keyed by run_id ({@link RunContribution}); the
 * contributions of a run meet on one partition and merge into its summary ({@link RunSummaries}),
 * kept in a persistent store with a changelog, and every change is published to the runs topic.
 * Both stores are persistent (RocksDB) and changelogged, so a restarted topology, on this state
 * directory or another, finds them again.
 */
public final class RunSummaryTopology {

    public static final String RUNS_STORE = "run-summaries";

    private final Topics topics;
    private final SchemaRegistryClient registry;
    private final Duration resultsRetention;
    private final IntSupplier maxRecordBytes;
    private final DecodeRetry decodeRetry;

    /**
     * @param resultsRetention how long the results store keeps a result (at least this long, and up to
     *                         half as long again: it drops whole segments)
     * @param maxRecordBytes   the most a record this topology writes may take (its changelogs included)
     */
    public RunSummaryTopology(Topics topics, SchemaRegistryClient registry, Duration resultsRetention,
            IntSupplier maxRecordBytes, DecodeRetry decodeRetry) {
        this.topics = topics;
        this.registry = registry;
        this.resultsRetention = resultsRetention;
        this.maxRecordBytes = maxRecordBytes;
        this.decodeRetry = decodeRetry;
    }

    /** Adds the summaries to {@code builder}; {@code decisions} are the routing's, one per prompt record. */
    public void addTo(StreamsBuilder builder, KStream<byte[], Inspection> decisions) {
        Serde<RunSummary> summaries = AvroSerdes.of(RunSummary.class, registry);
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(ResultsStore.NAME, resultsRetention, resultsRetention, false),
                Serdes.String(), Serdes.ByteArray()));

        // Two repartition topics, one per input: a single merge before repartitioning would join the
        // routing's sub-topology to the results', changing the routing's tasks.
        KStream<String, RunSummary> received = decisions
                .process(ReceivedRequests::new, Named.as("count-received-requests"))
                .repartition(Repartitioned.<String, RunSummary>as("runs-received")
                        .withKeySerde(Serdes.String()).withValueSerde(summaries));
        KStream<String, RunSummary> answered = builder
                .stream(topics.results(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("read-results"))
                .process(() -> new ResultIndexProcessor(new AvroDeserializer<>(ScoringResult.class, registry),
                        decodeRetry, maxRecordBytes), Named.as("index-results"), ResultsStore.NAME)
                .repartition(Repartitioned.<String, RunSummary>as("runs-answered")
                        .withKeySerde(Serdes.String()).withValueSerde(summaries));

        received.merge(answered, Named.as("run-contributions"))
                .groupByKey(Grouped.with("runs-by-id", Serdes.String(), summaries))
                .aggregate(() -> RunSummaries.empty(""), (runId, contribution, summary) ->
                        RunSummaries.merge(summary, contribution), Named.as("summarise-runs"),
                        Materialized.<String, RunSummary>as(
                                Stores.persistentKeyValueStore(RUNS_STORE))
                                .withKeySerde(Serdes.String()).withValueSerde(summaries))
                .toStream(Named.as("run-summary-updates"))
                .to(topics.runs(), Produced.with(Serdes.String(), summaries).withName("write-runs"));
    }
}
