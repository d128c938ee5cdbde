package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoreOutput;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.worker.engine.ContextLengthExceededException;
import io.logitstream.worker.engine.EngineVersion;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.generation.Generator;
import io.logitstream.worker.engine.scoring.Scorer;
import io.logitstream.worker.engine.scoring.TeacherLogits;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves requests with one loaded model: encodes the input, runs the task, and turns every
 * request-level failure into an error result, so one bad request never fails a batch.
 */
public final class TaskRouter implements RequestHandler {

    private static final Logger log = LoggerFactory.getLogger(TaskRouter.class);
    /** Largest full-vocabulary TEACHER payload: stays under Kafka's default 1 MiB message size. */
    static final long MAX_FULL_LOGITS_BYTES = 900 * 1024;

    private final LoadedModel model;
    private final PromptEncoder encoder;
    private final ResultFactory results;
    private final Map<Task, ModelTask> tasks = new EnumMap<>(Task.class);
    private final ScoreTask scoreTask;

    public TaskRouter(LoadedModel model, String workerId) {
        this.model = model;
        this.encoder = new PromptEncoder(model);
        this.results = new ResultFactory(model.name(), model.fingerprint().value(), EngineVersion.VALUE, workerId,
                model.device().toString());
        Scorer scorer = new Scorer(model.model());
        this.scoreTask = new ScoreTask(scorer, encoder);
        tasks.put(Task.SCORE, scoreTask);
        tasks.put(Task.CHOICE, new ChoiceTask(scorer, encoder));
        tasks.put(Task.TEACHER, new TeacherTask(new TeacherLogits(model.model()), model.config().vocabSize(),
                MAX_FULL_LOGITS_BYTES));
        tasks.put(Task.GENERATE, new GenerateTask(new Generator(model), model.generationDefaults(),
                model.model().contextLength(), workerId));
    }

    @Override
    public String modelName() {
        return model.name();
    }

    /**
     * Serves a polled batch. SCORE requests over their own input run as one engine batch per top-k
     * (one padded forward instead of one per request); everything else runs one request at a time.
     */
    @Override
    public List<ScoringResult> handle(List<WorkItem> batch, TokenSink tokens) {
        ScoringResult[] out = new ScoringResult[batch.size()];
        Map<Integer, List<Integer>> scoreGroups = new LinkedHashMap<>();
        Map<Integer, int[]> encoded = new HashMap<>();
        long started = System.currentTimeMillis();
        for (int i = 0; i < batch.size(); i++) {
            PromptRequest request = batch.get(i).request();
            if (request.getTask() != Task.SCORE || !ScoreTask.isBatchable(request) || batch.size() == 1) {
                out[i] = handle(batch.get(i), tokens);
                continue;
            }
            try {
                int[] ids = prepare(request);
                ScoreTask.checkScorable(ids);
                encoded.put(i, ids);
                scoreGroups.computeIfAbsent(ScoreTask.topK(request), k -> new ArrayList<>()).add(i);
            } catch (RuntimeException e) {
                out[i] = failure(batch.get(i), e, new LinkedHashMap<>(), started);
            }
        }
        scoreGroups.forEach((topK, members) -> scoreTogether(batch, members, encoded, topK, out));
        return List.of(out);
    }

    private void scoreTogether(List<WorkItem> batch, List<Integer> members, Map<Integer, int[]> encoded, int topK,
            ScoringResult[] out) {
        long started = System.currentTimeMillis();
        List<ScoreOutput> scores;
        try {
            scores = scoreTask.runBatch(members.stream().map(encoded::get).toList(), topK);
        } catch (RuntimeException e) {
            log.warn("Batched scoring of {} requests failed ({}); serving them one by one", members.size(), e.toString());
            members.forEach(i -> out[i] = handle(batch.get(i), TokenSink.DISCARD));
            return;
        }
        for (int j = 0; j < members.size(); j++) {
            int i = members.get(j);
            WorkItem item = batch.get(i);
            Map<String, String> parameters = new LinkedHashMap<>();
            parameters.put("top_logprobs", Integer.toString(topK));
            ScoringResult.Builder result = results.start(item.request())
                    .setInputIds(AvroLists.ints(encoded.get(i))).setScore(scores.get(j));
            out[i] = results.finish(result, item, parameters, started);
        }
    }

    /** The request's input ids, checked against this model and its context. */
    private int[] prepare(PromptRequest request) {
        if (!model.name().equals(request.getModel())) {
            throw new TaskException(ErrorCodes.UNKNOWN_MODEL, "This worker serves '" + model.name()
                    + "', not '" + request.getModel() + "'");
        }
        int[] inputIds = encoder.encode(request);
        if (inputIds.length > model.model().contextLength()) {
            throw new ContextLengthExceededException(inputIds.length, model.model().contextLength());
        }
        return inputIds;
    }

    /** Serves one request; never throws for a problem of the request itself. */
    public ScoringResult handle(WorkItem item, TokenSink tokens) {
        PromptRequest request = item.request();
        long started = System.currentTimeMillis();
        Map<String, String> parameters = new LinkedHashMap<>();
        try {
            int[] inputIds = prepare(request);
            ScoringResult.Builder result = results.start(request).setInputIds(AvroLists.ints(inputIds));
            tasks.get(request.getTask()).run(request, inputIds, result, parameters, tokens);
            ScoringResult done = results.finish(result, item, parameters, started);
            log.debug("{} {} done in {} ms", request.getTask(), request.getRequestId(),
                    done.getTimings().getComputeMs());
            return done;
        } catch (RuntimeException e) {
            return failure(item, e, parameters, started);
        }
    }

    /** The error result for a failure while serving a request. */
    private ScoringResult failure(WorkItem item, RuntimeException e, Map<String, String> parameters, long started) {
        if (e instanceof TaskException task) {
            return error(item, task.code(), task.getMessage(), parameters, started);
        }
        if (e instanceof ContextLengthExceededException context) {
            return error(item, ErrorCodes.CONTEXT_LENGTH_EXCEEDED, "The input has " + context.requested()
                    + " tokens; model '" + model.name() + "' takes at most " + context.maximum(), parameters, started);
        }
        log.error("Engine failed on request {}", item.request().getRequestId(), e);
        return error(item, ErrorCodes.ENGINE_ERROR, e.getClass().getSimpleName() + ": " + e.getMessage(),
                parameters, started);
    }

    private ScoringResult error(WorkItem item, String code, String message, Map<String, String> parameters,
            long started) {
        log.info("Request {} answered with {}: {}", item.request().getRequestId(), code, message);
        return results.error(item, code, message, parameters, started);
    }
}
