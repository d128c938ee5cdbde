package io.logitstream.topology.runs;

import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The results store, {@code request_id -> the result's wire-format bytes}, read as a key-value store
 * with a time bound: it is a window store whose segments older than the retention are dropped, so
 * the bound costs no scan. A request served twice has two entries; the latest wins.
 */
public final class ResultsStore {

    public static final String NAME = "results-by-request-id";

    private ResultsStore() {
    }

    /** The latest result kept for the request, as it arrived on the results topic. */
    public static Optional<byte[]> latest(ReadOnlyWindowStore<String, byte[]> store, String requestId) {
        byte[] latest = null;
        try (WindowStoreIterator<byte[]> entries = store.fetch(requestId, Instant.EPOCH,
                Instant.ofEpochMilli(Long.MAX_VALUE))) {
            while (entries.hasNext()) {
                KeyValue<Long, byte[]> entry = entries.next();
                latest = entry.value;
            }
        }
        return Optional.ofNullable(latest);
    }
}
