package io.logitstream.topology.route;

import io.logitstream.contract.DeadLetters;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.PromptRequest;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.DecodedRecord;
import io.logitstream.serde.RecordDecodeException;
import io.logitstream.topology.validate.RequestValidator;
import io.logitstream.topology.validate.Validation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.IntSupplier;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what happens to one input record, in this order: decode (undecodable: dead letter), dedupe
 * on request_id (a repeat: DUPLICATE error result, so a repeated invalid request is not
 * dead-lettered twice), validate (invalid: dead letter), check the model is served (unknown model:
 * error result) and its topic exists, then route. It works on raw bytes so a record that fails goes
 * to the dead-letter topic as it arrived. Nothing a record contains is thrown out of here: only a
 * failure that is not the record's fault (the broker unreachable while creating a topic) is, and then
 * the thread is replaced and the record read again.
 */
public final class InspectProcessor implements FixedKeyProcessor<byte[], byte[], Inspection> {

    private static final Logger log = LoggerFactory.getLogger(InspectProcessor.class);
    public static final String STAGE_DESERIALIZE = "topology.deserialize";
    public static final String STAGE_VALIDATE = "topology.validate";
    public static final String STAGE_ROUTE = "topology.route";
    /** Headers up to this size are copied onto error results (tracing); larger ones are not. */
    static final int MAX_COPIED_HEADER_BYTES = 16 * 1024;
    /** Room left in a forwarded record for its framing. */
    static final int FORWARD_RESERVE = 4096;

    private final AvroDeserializer<PromptRequest> deserializer;
    private final DecodeRetry retry;
    private final RequestValidator validator;
    private final ModelRoutes routes;
    private final String dedupeStore;
    private final Duration dedupeRetention;
    private final IntSupplier maxRecordBytes;
    private FixedKeyProcessorContext<byte[], Inspection> context;
    private RequestIdDedupe dedupe;
    private int recordLimit;

    public InspectProcessor(AvroDeserializer<PromptRequest> deserializer, DecodeRetry retry, RequestValidator validator,
            ModelRoutes routes, String dedupeStore, Duration dedupeRetention, IntSupplier maxRecordBytes) {
        this.deserializer = deserializer;
        this.retry = retry;
        this.validator = validator;
        this.routes = routes;
        this.dedupeStore = dedupeStore;
        this.dedupeRetention = dedupeRetention;
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], Inspection> context) {
        this.context = context;
        this.dedupe = new RequestIdDedupe(context.getStateStore(dedupeStore), dedupeRetention);
        this.recordLimit = maxRecordBytes.getAsInt();
    }

    @Override
    public void process(FixedKeyRecord<byte[], byte[]> record) {
        Inspection inspection = inspect(record);
        context.forward(record.withValue(inspection).withHeaders(headersFor(inspection, record.headers())));
    }

    private Inspection inspect(FixedKeyRecord<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        if (record.value() == null) {
            return reject(record, source, STAGE_DESERIALIZE, ErrorCodes.UNDECODABLE,
                    "Record has no value (tombstone); a PromptRequest was expected", null);
        }
        DecodedRecord<PromptRequest> decoded;
        try {
            decoded = retry.call(() -> deserializer.decode(source.topic(), record.value()), coordinates(source));
        } catch (DecodeRetry.GaveUp e) {
            return reject(record, source, STAGE_DESERIALIZE, ErrorCodes.UNDECODABLE, e.getMessage(), null);
        } catch (RecordDecodeException e) {
            if (e.isTransient()) {
                throw e; // interrupted while waiting to retry: shutting down, the record is read again
            }
            return reject(record, source, STAGE_DESERIALIZE, ErrorCodes.UNDECODABLE,
                    e.error() + ": " + e.getMessage(), null);
        } catch (RuntimeException e) {
            return reject(record, source, STAGE_DESERIALIZE, ErrorCodes.UNDECODABLE,
                    "The value could not be decoded: " + e, null);
        }
        PromptRequest request = decoded.value();
        String requestId = request.getRequestId();
        if (RequestValidator.isUsableRequestId(requestId)) {
            OptionalLong firstSeen = dedupe.firstSeenOrRemember(requestId, record.timestamp());
            if (firstSeen.isPresent()) {
                log.info("Request {} ({}) is a duplicate; answering with {}", requestId, coordinates(source),
                        ErrorCodes.DUPLICATE);
                return new Inspection.Answered(ErrorResults.duplicate(request, firstSeen.getAsLong(), dedupeRetention));
            }
        }
        List<String> problems = problems(record, decoded);
        if (!problems.isEmpty()) {
            return reject(record, source, STAGE_VALIDATE, ErrorCodes.INVALID_REQUEST,
                    new Validation(problems).message(), requestId);
        }
        if (!routes.serves(request.getModel())) {
            log.info("Request {} asks for unknown model {}; answering with {}", requestId, request.getModel(),
                    ErrorCodes.UNKNOWN_MODEL);
            return new Inspection.Answered(ErrorResults.unknownModel(request, routes.servedList()));
        }
        var refused = routes.prepare(request.getModel());
        if (refused.isPresent()) {
            return reject(record, source, STAGE_ROUTE, ErrorCodes.INVALID_REQUEST,
                    "Invalid request: " + refused.get(), requestId);
        }
        return new Inspection.Accepted(request);
    }

    /** Every way the decoded request breaks the contract, the record's key and size included. */
    private List<String> problems(FixedKeyRecord<byte[], byte[]> record, DecodedRecord<PromptRequest> decoded) {
        PromptRequest request = decoded.value();
        List<String> problems = new ArrayList<>(validator.validate(request).problems());
        String model = request.getModel();
        if (model != null && !model.isBlank()) {
            routes.nameProblem(model).ifPresent(problems::add);
        }
        for (String field : decoded.malformedUtf8Fields()) {
            problems.add(field + " is not valid UTF-8 (it would be read with U+FFFD replacement characters);"
                    + " encode strings as UTF-8");
        }
        String keyProblem = keyProblem(record.key(), request.getRequestId());
        if (keyProblem != null) {
            problems.add(keyProblem);
        }
        int forwardLimit = recordLimit - FORWARD_RESERVE;
        if (record.value().length > forwardLimit) {
            problems.add("the request is " + record.value().length + " bytes; the topology forwards at most "
                    + forwardLimit + " (its producer's max.request.size less framing)");
        }
        return problems;
    }

    /** Records are keyed by request_id so everything about a request stays on one partition. */
    private static String keyProblem(byte[] key, String requestId) {
        if (key == null || requestId == null) {
            return null;
        }
        if (!Arrays.equals(key, requestId.getBytes(StandardCharsets.UTF_8))) {
            String shown = new String(key, 0, Math.min(key.length, 256), StandardCharsets.UTF_8);
            return "record key must be the request_id (UTF-8) or empty, got \"" + shown
                    + (key.length > 256 ? "...\" (" + key.length + " bytes)" : "\"");
        }
        return null;
    }

    private Inspection reject(FixedKeyRecord<byte[], byte[]> record, RecordMetadata source, String stage,
            String code, String message, String requestId) {
        var letter = DeadLetters.of(
                new DeadLetters.Source(source.topic(), source.partition(), source.offset(), record.timestamp()),
                record.key(), record.value(), record.headers(),
                new DeadLetters.Failure(stage, code, message, requestId, context.applicationId()), recordLimit);
        log.warn("Dead-lettering {} ({}, {}){}: {}", coordinates(source), stage, code,
                letter.getTruncatedFields() == null ? "" : ", cut to fit: " + letter.getTruncatedFields(),
                letter.getErrorMessage());
        return new Inspection.Rejected(letter);
    }

    /**
     * Dead letters carry the original headers inside; on their own record they would count twice
     * against the size limit. Error results keep small headers (tracing), requests keep theirs.
     */
    private static Headers headersFor(Inspection inspection, Headers original) {
        if (inspection instanceof Inspection.Rejected) {
            return new RecordHeaders();
        }
        if (inspection instanceof Inspection.Answered && size(original) > MAX_COPIED_HEADER_BYTES) {
            return new RecordHeaders();
        }
        return original;
    }

    private static long size(Headers headers) {
        long total = 0;
        for (Header header : headers) {
            total += header.key().length() + (header.value() == null ? 0 : header.value().length);
        }
        return total;
    }

    private static String coordinates(RecordMetadata source) {
        return source.topic() + "-" + source.partition() + "@" + source.offset();
    }
}
