package io.logitstream.topology.runs;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.RunSummary;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.RecordDecodeException;
import io.logitstream.topology.route.DecodeRetry;
import java.util.function.IntSupplier;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads each result once, on the partition of its request_id: keeps it in the results store (so
 * {@code GET /results/{request_id}} answers a sender whose copy was a duplicate) and forwards what it
 * adds to its run, keyed by run_id. A DUPLICATE notice is not kept (the original's result is the
 * answer) and counts only as a notice; a second result for a request already in the store (it was
 * served again, e.g. resent after the dedupe retention) counts only as a repeat. Results without a
 * run_id are kept but summarised nowhere. A value that does not decode is logged and skipped: results
 * are not this topology's input to reject, and one bad record must not stop the summaries.
 */
public final class ResultIndexProcessor implements Processor<String, byte[], String, RunSummary> {

    private static final Logger log = LoggerFactory.getLogger(ResultIndexProcessor.class);
    /** Room left in a changelog record of the results store for its key and framing. */
    static final int STORE_RESERVE = 4096;

    private final AvroDeserializer<ScoringResult> deserializer;
    private final DecodeRetry retry;
    private final IntSupplier maxRecordBytes;
    private ProcessorContext<String, RunSummary> context;
    private WindowStore<String, byte[]> results;
    private int storeLimit;

    public ResultIndexProcessor(AvroDeserializer<ScoringResult> deserializer, DecodeRetry retry,
            IntSupplier maxRecordBytes) {
        this.deserializer = deserializer;
        this.retry = retry;
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public void init(ProcessorContext<String, RunSummary> context) {
        this.context = context;
        this.results = context.getStateStore(ResultsStore.NAME);
        this.storeLimit = maxRecordBytes.getAsInt() - STORE_RESERVE;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.value() == null) {
            return;
        }
        ScoringResult result = decode(record.value());
        if (result == null) {
            return;
        }
        String runId = result.getRunId() == null || result.getRunId().isEmpty() ? null : result.getRunId();
        long timestamp = record.timestamp();
        if (isDuplicateNotice(result)) {
            if (runId != null) {
                forward(runId, RunContribution.duplicateNotice(runId, timestamp), timestamp);
            }
            return;
        }
        boolean repeated = ResultsStore.latest(results, result.getRequestId()).isPresent();
        keep(result.getRequestId(), record);
        if (runId != null) {
            forward(runId, repeated ? RunContribution.repeatedResult(runId, timestamp)
                    : RunContribution.result(result, timestamp), timestamp);
        }
    }

    private void forward(String runId, RunSummary contribution, long timestamp) {
        context.forward(new Record<>(runId, contribution, timestamp));
    }

    /**
     * The store's changelog record is the value plus a slightly longer key: a result within a few KB of
     * the producer's limit would fail to commit forever, so it is not kept (GET /results then has none).
     */
    private void keep(String requestId, Record<String, byte[]> record) {
        if (record.value().length > storeLimit) {
            log.warn("Result {} is {} bytes; the results store keeps results up to {} bytes, so GET /results does"
                    + " not serve it", requestId, record.value().length, storeLimit);
            return;
        }
        results.put(requestId, record.value(), record.timestamp());
    }

    private static boolean isDuplicateNotice(ScoringResult result) {
        return result.getError() != null && ErrorCodes.DUPLICATE.equals(result.getError().getCode());
    }

    private ScoringResult decode(byte[] value) {
        RecordMetadata source = context.recordMetadata().orElse(null);
        String where = source == null ? "a result" : source.topic() + "-" + source.partition() + "@" + source.offset();
        try {
            return retry.call(() -> deserializer.decode(source == null ? "" : source.topic(), value).value(), where);
        } catch (RecordDecodeException e) {
            if (e.isTransient()) {
                throw e; // interrupted while waiting to retry: shutting down, the record is read again
            }
            log.warn("Skipping {} in the run summaries: {}: {}", where, e.error(), e.getMessage());
        } catch (RuntimeException e) {
            log.warn("Skipping {} in the run summaries: it does not decode as a ScoringResult: {}", where, e.toString());
        }
        return null;
    }
}
