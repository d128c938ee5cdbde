package io.logitstream.topology.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.schema.RunSummary;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroToJson;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * Interactive queries of the run summaries and the results store. A key lives on the instance whose
 * task owns its partition: asked for a key another instance owns, this one forwards the question to
 * it ({@code application.server} names each instance's query server) and passes its answer on. The
 * list gathers every instance's runs. Only active stores answer (no stale standby reads).
 */
public final class RunQueries {

    private final KafkaStreams streams;
    private final HostInfo self;
    private final PeerClient peers;
    private final AvroDeserializer<ScoringResult> results;
    private final Duration resultsRetention;

    public RunQueries(KafkaStreams streams, HostInfo self, PeerClient peers, AvroDeserializer<ScoringResult> results,
            Duration resultsRetention) {
        this.streams = streams;
        this.self = self;
        this.peers = peers;
        this.results = results;
        this.resultsRetention = resultsRetention;
    }

    /** {@code GET /runs}: every run, the latest updated first. */
    public QueryAnswer list(boolean localOnly) {
        List<JsonNode> runs = new ArrayList<>();
        ArrayNode unreachable = JsonNodeFactory.instance.arrayNode();
        try (KeyValueIterator<String, RunSummary> all = runStore().all()) {
            all.forEachRemaining(entry -> runs.add(RunSummaryJson.of(entry.value)));
        } catch (InvalidStateStoreException e) {
            return unavailable(e);
        }
        if (!localOnly) {
            for (StreamsMetadata peer : streams.streamsMetadataForStore(RunSummaryTopology.RUNS_STORE)) {
                if (peer.hostInfo().equals(self)) {
                    continue;
                }
                QueryAnswer answer = peers.get(peer.hostInfo(), "/runs?local=true");
                if (answer.status() == 200) {
                    answer.body().path("runs").forEach(runs::add);
                } else {
                    unreachable.add(peer.hostInfo().host() + ":" + peer.hostInfo().port());
                }
            }
        }
        runs.sort(Comparator.comparingLong((JsonNode run) -> run.path("last_at_ms").asLong(0)).reversed()
                .thenComparing(run -> run.path("run_id").asText()));
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.putArray("runs").addAll(runs);
        if (!unreachable.isEmpty()) {
            body.set("unreachable_instances", unreachable); // their runs are missing from this list
        }
        return QueryAnswer.ok(body);
    }

    /** {@code GET /runs/{id}}. */
    public QueryAnswer run(String runId, boolean localOnly) {
        return owned(RunSummaryTopology.RUNS_STORE, runId, localOnly, "/runs/", id -> {
            RunSummary summary = runStore().get(id);
            return summary == null ? QueryAnswer.error(404, QueryAnswer.NOT_FOUND, "No run " + id
                    + ": no request or result with this run_id has reached the topology")
                    : QueryAnswer.ok(RunSummaryJson.of(summary));
        });
    }

    /** {@code GET /results/{request_id}}: the latest result of the request, as JSON. */
    public QueryAnswer result(String requestId, boolean localOnly) {
        return owned(ResultsStore.NAME, requestId, localOnly, "/results/", id -> {
            ReadOnlyWindowStore<String, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(
                    ResultsStore.NAME, QueryableStoreTypes.windowStore()));
            Optional<byte[]> bytes = ResultsStore.latest(store, id);
            return bytes.map(value -> QueryAnswer.ok(AvroToJson.record(results.deserialize("", value))))
                    .orElseGet(() -> QueryAnswer.error(404, QueryAnswer.NOT_FOUND, "No result for request " + id
                            + " within the results store's retention (" + resultsRetention + "): not answered yet,"
                            + " answered earlier, or never sent"));
        });
    }

    /** Answers from the local store when this instance owns the key, else from the owner. */
    private QueryAnswer owned(String store, String key, boolean localOnly, String path,
            Function<String, QueryAnswer> local) {
        if (!localOnly) {
            KeyQueryMetadata owner = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
            if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
                return QueryAnswer.error(503, QueryAnswer.UNAVAILABLE, "The topology is not running or is"
                        + " rebalancing: no instance owns " + store + " now; try again shortly");
            }
            if (!owner.activeHost().equals(self)) {
                return peers.get(owner.activeHost(), path + URLEncoder.encode(key, StandardCharsets.UTF_8)
                        .replace("+", "%20") + "?local=true");
            }
        }
        try {
            return local.apply(key);
        } catch (InvalidStateStoreException e) {
            return unavailable(e);
        }
    }

    private ReadOnlyKeyValueStore<String, RunSummary> runStore() {
        return streams.store(StoreQueryParameters.fromNameAndType(RunSummaryTopology.RUNS_STORE,
                QueryableStoreTypes.keyValueStore()));
    }

    private static QueryAnswer unavailable(InvalidStateStoreException e) {
        return QueryAnswer.error(503, QueryAnswer.UNAVAILABLE, "The store cannot be read now (" + e.getMessage()
                + "); the topology is starting, restoring or rebalancing: try again shortly");
    }
}
