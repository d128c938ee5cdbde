package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.worker.engine.ContextLengthExceededException;
import io.logitstream.worker.engine.EngineVersion;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.engine.classification.ClassificationHead;
import io.logitstream.worker.engine.batch.BatchWork;
import io.logitstream.worker.engine.batch.ContinuousBatcher;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves requests with one loaded model: encodes the input, plans the task as work for the
 * running batch, and turns every request-level failure into an error result, so one bad request
 * never fails the others.
 */
public final class TaskRouter {

    private static final Logger log = LoggerFactory.getLogger(TaskRouter.class);
    /**
     * What one result may take by default: Kafka's default max.request.size of 1 MiB less room for
     * the rest of the result and the record's overhead.
     */
    public static final long DEFAULT_MAX_RESULT_BYTES = 900 * 1024;

    /**
     * What the per-position outputs of one result may take when the results producer's
     * max.request.size is {@code maxRequestSize}: a tenth (at least 16 KiB) is left for the rest of
     * the result and the record's overhead.
     */
    public static long resultBytesFor(int maxRequestSize) {
        return maxRequestSize - Math.max(maxRequestSize / 10, 16 * 1024L);
    }

    private final LoadedModel model;
    private final PromptEncoder encoder;
    private final ResultFactory results;
    private final Map<Task, ModelTask> tasks = new EnumMap<>(Task.class);
    /** The image preprocessing of a vision-language model, null for a text-only one. */
    private final io.logitstream.worker.engine.internvl.InternVlImageProcessor imageProcessor;
    private final ImageFetcher imageFetcher = ImageFetcher.fromSystem();
    private final PlannedRequest.Finisher finisher = new PlannedRequest.Finisher() {
        @Override
        public ScoringResult ok(ScoringResult.Builder result, WorkItem item, Map<String, String> parameters,
                long startedAtMs) {
            ScoringResult done = results.finish(result, item, parameters, startedAtMs);
            log.debug("{} {} done in {} ms", item.request().getTask(), item.request().getRequestId(),
                    done.getTimings().getComputeMs());
            return done;
        }

        @Override
        public ScoringResult failed(WorkItem item, RuntimeException e, Map<String, String> parameters,
                long startedAtMs) {
            return failure(item, e, parameters, startedAtMs);
        }
    };

    public TaskRouter(LoadedModel model, String workerId) {
        this(model, workerId, DEFAULT_MAX_RESULT_BYTES);
    }

    /**
     * @param maxResultBytes what the per-position outputs of one result (top-k alternatives, selected
     *     tokens, full-vocabulary logits) may take: the results producer's max.request.size less headroom
     */
    public TaskRouter(LoadedModel model, String workerId, long maxResultBytes) {
        this.model = model;
        this.encoder = new PromptEncoder(model);
        this.imageProcessor = model.model() instanceof io.logitstream.worker.engine.VisionLanguageModel vlm
                ? io.logitstream.worker.engine.internvl.InternVlImageProcessor.forModel(model.dir(),
                        model.config().raw(), vlm.tileSize())
                : null;
        this.results = new ResultFactory(model.name(), model.fingerprint().value(), EngineVersion.VALUE, workerId,
                model.deviceDescription());
        int vocab = model.model().vocabSize();
        TokenTexts texts = new TokenTexts(model.tokenizer(), vocab);
        Optional<ClassificationHead> head = model.classificationHead();
        if (head.isPresent()) {
            // a score head instead of the LM head: CLASSIFY only
            tasks.put(Task.CLASSIFY, new ClassifyTask(head.get()));
            for (Task lm : List.of(Task.SCORE, Task.CHOICE, Task.TEACHER, Task.GENERATE)) {
                tasks.put(lm, ClassifyTask.refusedWithoutLmHead(model.name(), head.get(), lm.name()));
            }
            return;
        }
        tasks.put(Task.SCORE, new ScoreTask(encoder, vocab, maxResultBytes, texts));
        tasks.put(Task.CHOICE, new ChoiceTask(encoder));
        tasks.put(Task.TEACHER, new TeacherTask(model.config().vocabSize(), maxResultBytes));
        tasks.put(Task.GENERATE, new GenerateTask(model, workerId, encoder, maxResultBytes, texts));
        tasks.put(Task.CLASSIFY, ClassifyTask.refusedWithoutScoreHead(model.name()));
    }

    /** Name of the served model, as requests address it. */
    public String modelName() {
        return model.name();
    }

    public LoadedModel model() {
        return model;
    }

    /**
     * Plans a request for the running batch; never throws for a problem of the request itself
     * (the returned request then carries its error result).
     */
    public PlannedRequest plan(WorkItem item, TokenSink tokens) {
        return plan(item, tokens, null);
    }

    /** Whether this router's model reads images (a vision-language model). */
    public boolean readsImages() {
        return imageProcessor != null;
    }

    /**
     * Whether {@code request} has images this router would fetch and tile before planning it (it is
     * for this vision-language model): only then is {@link #prepareImages} worth calling first.
     */
    public boolean takesImages(PromptRequest request) {
        return imageProcessor != null && request.getImages() != null && !request.getImages().isEmpty()
                && model.name().equals(request.getModel());
    }

    /**
     * Fetches, decodes and tiles the request's images: needs no model, so any thread may run it
     * before {@link #plan(WorkItem, TokenSink, Supplier) planning} on the serving thread.
     *
     * @throws TaskException INVALID_INPUT for an image that cannot be fetched or read
     */
    public PreparedImages prepareImages(PromptRequest request) {
        if (!takesImages(request)) {
            throw new IllegalArgumentException("request " + request.getRequestId() + " takes no images here");
        }
        return PreparedImages.fetch(request.getImages(), imageProcessor, imageFetcher);
    }

    /**
     * Plans a request whose images were prepared earlier: {@code prepared} gives them, or throws the
     * preparation's failure, which becomes the same error result as when fetched here; a null
     * {@code prepared} fetches them here.
     */
    public PlannedRequest plan(WorkItem item, TokenSink tokens, Supplier<PreparedImages> prepared) {
        PromptRequest request = item.request();
        long started = System.currentTimeMillis();
        Map<String, String> parameters = new LinkedHashMap<>();
        try {
            checkModel(request);
            RequestImages images = prepared == null ? RequestImages.of(request, model, imageProcessor, imageFetcher)
                    : RequestImages.of(request, model, imageProcessor, prepared);
            int[] inputIds = prepare(request, images);
            ScoringResult.Builder result = results.start(request).setInputIds(AvroLists.ints(inputIds));
            TaskWork work = tasks.get(request.getTask()).plan(request, inputIds, parameters, tokens);
            if (images != null) {
                // every sequence of the work starts with the prompt: its image tokens get the image embeddings
                io.logitstream.worker.engine.EmbeddingOverride embeddings = images.embeddings(inputIds);
                work.work().sequences().forEach(s -> s.useEmbeddings(embeddings));
                parameters.put("images", Integer.toString(images.count()));
            }
            return new PlannedRequest(item, work, result, parameters, finisher);
        } catch (RuntimeException e) {
            return new PlannedRequest(item, failure(item, e, parameters, started));
        }
    }

    /**
     * Serves a batch synchronously: every request joins one running batch (the same continuous
     * batcher the serving scheduler uses), results in input order.
     */
    public List<ScoringResult> handle(List<WorkItem> batch, TokenSink tokens) {
        ScoringResult[] out = new ScoringResult[batch.size()];
        Map<BatchWork, Integer> index = new IdentityHashMap<>();
        List<PlannedRequest> planned = new ArrayList<>();
        try (ContinuousBatcher batcher = new ContinuousBatcher(model.model(), BatchBudgets.defaults())) {
            for (int i = 0; i < batch.size(); i++) {
                PlannedRequest p = plan(batch.get(i), tokens);
                planned.add(p);
                ScoringResult answered = p.rejected() != null ? p.rejected() : p.enqueue(batcher);
                if (answered != null) {
                    out[i] = answered;
                } else {
                    index.put(p.work(), i);
                }
            }
            while (batcher.hasWork()) {
                for (ContinuousBatcher.Finished f : batcher.step()) {
                    int i = index.get(f.work());
                    out[i] = f.failure() == null ? planned.get(i).complete() : planned.get(i).failed(f.failure());
                }
            }
        }
        return List.of(out);
    }

    /** Serves one request synchronously; never throws for a problem of the request itself. */
    public ScoringResult handle(WorkItem item, TokenSink tokens) {
        return handle(List.of(item), tokens).get(0);
    }

    /** The request's input ids, checked against this model and its context. */
    private int[] prepare(PromptRequest request, RequestImages images) {
        int[] inputIds = encoder.encode(request, images);
        if (inputIds.length > model.model().contextLength()) {
            throw new ContextLengthExceededException(inputIds.length, model.model().contextLength());
        }
        return inputIds;
    }

    /** Before anything else (images are fetched next): the request must be for this worker's model. */
    private void checkModel(PromptRequest request) {
        if (!model.name().equals(request.getModel())) {
            throw new TaskException(ErrorCodes.UNKNOWN_MODEL, "This worker serves '" + model.name()
                    + "', not '" + request.getModel() + "'");
        }
    }

    /** The error result for a failure while serving a request. */
    ScoringResult failure(WorkItem item, RuntimeException e, Map<String, String> parameters, long started) {
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
