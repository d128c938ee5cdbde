package io.logitstream.topology.route;

import io.logitstream.contract.DeadLetters;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.ErrorInfo;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.RecordDecodeException;
import io.logitstream.topology.validate.RequestValidator;
import io.logitstream.topology.validate.Validation;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes the raw value, validates it and checks the model is served. It works on raw bytes so a
 * record that fails can go to the dead-letter topic exactly as it arrived. A registry outage is
 * not the record's fault: it is rethrown, the stream thread is replaced and the record retried.
 */
public final class InspectProcessor implements FixedKeyProcessor<byte[], byte[], Inspection> {

    private static final Logger log = LoggerFactory.getLogger(InspectProcessor.class);
    public static final String STAGE_DESERIALIZE = "topology.deserialize";
    public static final String STAGE_VALIDATE = "topology.validate";

    private final Deserializer<PromptRequest> deserializer;
    private final RequestValidator validator;
    /** Served models; empty means every model is routed (topics are created on demand). */
    private final Set<String> servedModels;
    private FixedKeyProcessorContext<byte[], Inspection> context;

    public InspectProcessor(Deserializer<PromptRequest> deserializer, RequestValidator validator,
            Set<String> servedModels) {
        this.deserializer = deserializer;
        this.validator = validator;
        this.servedModels = Set.copyOf(servedModels);
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], Inspection> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<byte[], byte[]> record) {
        context.forward(record.withValue(inspect(record)));
    }

    private Inspection inspect(FixedKeyRecord<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        PromptRequest request;
        try {
            request = deserializer.deserialize(source.topic(), record.headers(), record.value());
        } catch (RecordDecodeException e) {
            if (e.isTransient()) {
                throw e;
            }
            return reject(record, source, STAGE_DESERIALIZE, ErrorCodes.UNDECODABLE,
                    e.error() + ": " + e.getMessage(), null);
        }
        if (request == null) {
            return reject(record, source, STAGE_DESERIALIZE, ErrorCodes.UNDECODABLE,
                    "Record has no value (tombstone); a PromptRequest was expected", null);
        }
        Validation validation = validator.validate(request);
        String keyProblem = keyProblem(record.key(), request.getRequestId());
        if (!validation.isValid() || keyProblem != null) {
            String message = validation.isValid() ? "Invalid request: " + keyProblem
                    : validation.message() + (keyProblem == null ? "" : "; " + keyProblem);
            return reject(record, source, STAGE_VALIDATE, ErrorCodes.INVALID_REQUEST, message,
                    request.getRequestId());
        }
        if (!servedModels.isEmpty() && !servedModels.contains(request.getModel())) {
            log.info("Request {} asks for unknown model {}; answering with {}", request.getRequestId(),
                    request.getModel(), ErrorCodes.UNKNOWN_MODEL);
            return new Inspection.Unservable(unknownModel(request));
        }
        return new Inspection.Accepted(request);
    }

    /** Records are keyed by request_id so everything about a request stays on one partition. */
    private static String keyProblem(byte[] key, String requestId) {
        if (key == null || requestId == null) {
            return null;
        }
        if (!Arrays.equals(key, requestId.getBytes(StandardCharsets.UTF_8))) {
            return "record key must be the request_id (UTF-8) or empty, got \""
                    + new String(key, StandardCharsets.UTF_8) + "\"";
        }
        return null;
    }

    private Inspection reject(FixedKeyRecord<byte[], byte[]> record, RecordMetadata source, String stage,
            String code, String message, String requestId) {
        log.warn("Dead-lettering {}-{}@{} ({}, {}): {}", source.topic(), source.partition(), source.offset(),
                stage, code, message);
        return new Inspection.Rejected(DeadLetters.of(
                new DeadLetters.Source(source.topic(), source.partition(), source.offset(), record.timestamp()),
                record.key(), record.value(), record.headers(),
                new DeadLetters.Failure(stage, code, message, requestId, context.applicationId())));
    }

    private ScoringResult unknownModel(PromptRequest request) {
        String served = String.join(", ", servedModels.stream().sorted().toList());
        return ScoringResult.newBuilder()
                .setRequestId(request.getRequestId())
                .setModel(request.getModel())
                .setTask(request.getTask())
                .setStatus(ResultStatus.ERROR)
                .setError(new ErrorInfo(ErrorCodes.UNKNOWN_MODEL, "No worker pool serves model '"
                        + request.getModel() + "'. Served models: " + served
                        + ". Start a worker for it or fix the model name."))
                .setRunId(request.getRunId())
                .setMetadata(request.getMetadata())
                .build();
    }
}
