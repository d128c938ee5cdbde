package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.worker.engine.ContextLengthExceededException;
import io.logitstream.worker.engine.EngineVersion;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ops.Generator;
import io.logitstream.worker.engine.ops.Scorer;
import io.logitstream.worker.engine.ops.TeacherLogits;
import java.util.ArrayList;
import java.util.EnumMap;
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

    public TaskRouter(LoadedModel model, String workerId) {
        this.model = model;
        this.encoder = new PromptEncoder(model);
        this.results = new ResultFactory(model.name(), model.fingerprint().value(), EngineVersion.VALUE, workerId,
                model.device().toString());
        Scorer scorer = new Scorer(model.model());
        tasks.put(Task.SCORE, new ScoreTask(scorer, encoder));
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

    @Override
    public List<ScoringResult> handle(List<WorkItem> batch, TokenSink tokens) {
        List<ScoringResult> out = new ArrayList<>(batch.size());
        for (WorkItem item : batch) {
            out.add(handle(item, tokens));
        }
        return out;
    }

    /** Serves one request; never throws for a problem of the request itself. */
    public ScoringResult handle(WorkItem item, TokenSink tokens) {
        PromptRequest request = item.request();
        long started = System.currentTimeMillis();
        Map<String, String> parameters = new LinkedHashMap<>();
        try {
            if (!model.name().equals(request.getModel())) {
                throw new TaskException(ErrorCodes.UNKNOWN_MODEL, "This worker serves '" + model.name()
                        + "', not '" + request.getModel() + "'");
            }
            int[] inputIds = encoder.encode(request);
            if (inputIds.length > model.model().contextLength()) {
                throw new ContextLengthExceededException(inputIds.length, model.model().contextLength());
            }
            ScoringResult.Builder result = results.start(request).setInputIds(AvroLists.ints(inputIds));
            tasks.get(request.getTask()).run(request, inputIds, result, parameters, tokens);
            ScoringResult done = results.finish(result, item, parameters, started);
            log.debug("{} {} done in {} ms", request.getTask(), request.getRequestId(),
                    done.getTimings().getComputeMs());
            return done;
        } catch (TaskException e) {
            return error(item, e.code(), e.getMessage(), parameters, started);
        } catch (ContextLengthExceededException e) {
            return error(item, ErrorCodes.CONTEXT_LENGTH_EXCEEDED, "The input has " + e.requested()
                    + " tokens; model '" + model.name() + "' takes at most " + e.maximum(), parameters, started);
        } catch (RuntimeException e) {
            log.error("Engine failed on request {}", request.getRequestId(), e);
            return error(item, ErrorCodes.ENGINE_ERROR, e.getClass().getSimpleName() + ": " + e.getMessage(),
                    parameters, started);
        }
    }

    private ScoringResult error(WorkItem item, String code, String message, Map<String, String> parameters,
            long started) {
        log.info("Request {} answered with {}: {}", item.request().getRequestId(), code, message);
        return results.error(item, code, message, parameters, started);
    }
}
