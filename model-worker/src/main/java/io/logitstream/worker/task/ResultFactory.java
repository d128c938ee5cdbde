package io.logitstream.worker.task;

import io.logitstream.schema.ErrorInfo;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Provenance;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Timings;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds results with the provenance that makes evaluation logs replayable: which model (name and
 * fingerprint), which engine, which worker and device, the effective parameters including the seed,
 * and where the time went.
 */
public final class ResultFactory {

    private final String modelName;
    private final String fingerprint;
    private final String engineVersion;
    private final String workerId;
    private final String device;

    public ResultFactory(String modelName, String fingerprint, String engineVersion, String workerId, String device) {
        this.modelName = modelName;
        this.fingerprint = fingerprint;
        this.engineVersion = engineVersion;
        this.workerId = workerId;
        this.device = device;
    }

    /** A result pre-filled with the request's identity; the task fills the rest. */
    public ScoringResult.Builder start(PromptRequest request) {
        return ScoringResult.newBuilder()
                .setRequestId(request.getRequestId())
                .setModel(request.getModel())
                .setTask(request.getTask())
                .setStatus(ResultStatus.OK)
                .setInputIds(List.of())
                .setRunId(request.getRunId())
                .setMetadata(request.getMetadata());
    }

    /** Adds provenance and timings and builds. */
    public ScoringResult finish(ScoringResult.Builder result, WorkItem item, Map<String, String> parameters,
            long startedAtMs) {
        long now = System.currentTimeMillis();
        String seed = parameters.get("seed");
        result.setProvenance(Provenance.newBuilder()
                .setModelName(modelName)
                .setModelFingerprint(fingerprint)
                .setEngineVersion(engineVersion)
                .setWorkerId(workerId)
                .setDevice(device)
                .setParameters(new TreeMap<>(parameters))
                .setSeed(seed == null ? null : Long.parseLong(seed))
                .build());
        result.setTimings(Timings.newBuilder()
                .setCreatedAtMs(item.request().getCreatedAtMs())
                .setEnqueuedAtMs(item.enqueuedAtMs())
                .setStartedAtMs(startedAtMs)
                .setCompletedAtMs(now)
                .setQueueMs(Math.max(0, startedAtMs - item.enqueuedAtMs()))
                .setComputeMs(now - startedAtMs)
                .build());
        return result.build();
    }

    /** An error result: the requester always hears back. */
    public ScoringResult error(WorkItem item, String code, String message, Map<String, String> parameters,
            long startedAtMs) {
        ScoringResult.Builder result = start(item.request())
                .setStatus(ResultStatus.ERROR)
                .setError(new ErrorInfo(code, message))
                .setScore(null).setChoice(null).setTeacher(null).setGeneration(null).setClassification(null);
        return finish(result, item, parameters, startedAtMs);
    }
}
