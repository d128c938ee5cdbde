package io.logitstream.topology.route;

import io.logitstream.schema.PromptRequest;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops a request whose request_id was already routed within the retention period. Producers that
 * retry after a timeout may send the same request twice; the worker should not compute it twice.
 * A window store expires old ids on its own, so the state stays bounded by the retention.
 */
public final class DedupeProcessor implements FixedKeyProcessor<String, PromptRequest, PromptRequest> {

    private static final Logger log = LoggerFactory.getLogger(DedupeProcessor.class);

    private final String storeName;
    private final long retentionMs;
    private WindowStore<String, Long> seen;
    private FixedKeyProcessorContext<String, PromptRequest> context;

    public DedupeProcessor(String storeName, Duration retention) {
        this.storeName = storeName;
        this.retentionMs = retention.toMillis();
    }

    @Override
    public void init(FixedKeyProcessorContext<String, PromptRequest> context) {
        this.context = context;
        this.seen = context.getStateStore(storeName);
    }

    @Override
    public void process(FixedKeyRecord<String, PromptRequest> record) {
        String requestId = record.key();
        long ts = record.timestamp();
        if (alreadySeen(requestId, ts)) {
            log.info("Dropping duplicate of request {}", requestId);
            return;
        }
        seen.put(requestId, ts, ts);
        context.forward(record);
    }

    private boolean alreadySeen(String requestId, long ts) {
        try (WindowStoreIterator<Long> hits = seen.fetch(requestId, ts - retentionMs, ts + retentionMs)) {
            return hits.hasNext();
        }
    }
}
