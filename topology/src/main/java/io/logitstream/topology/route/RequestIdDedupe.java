package io.logitstream.topology.route;

import java.time.Duration;
import java.util.OptionalLong;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Remembers the request ids seen within the retention period, in a window store that expires old
 * ids on its own, so the state stays bounded by the retention. The stored value is when the id was
 * first seen (the record timestamp), so a duplicate can be told which request it repeats.
 */
final class RequestIdDedupe {

    private final WindowStore<String, Long> seen;
    private final long retentionMs;

    RequestIdDedupe(WindowStore<String, Long> seen, Duration retention) {
        this.seen = seen;
        this.retentionMs = retention.toMillis();
    }

    /** When {@code requestId} was first seen, if it was within the retention; otherwise remembers it now. */
    OptionalLong firstSeenOrRemember(String requestId, long timestamp) {
        try (WindowStoreIterator<Long> hits = seen.fetch(requestId, timestamp - retentionMs, timestamp + retentionMs)) {
            if (hits.hasNext()) {
                Long firstSeen = hits.next().value;
                return OptionalLong.of(firstSeen == null ? timestamp : firstSeen);
            }
        }
        seen.put(requestId, timestamp, timestamp);
        return OptionalLong.empty();
    }
}
