package io.logitstream.worker.task;

import io.logitstream.schema.PromptRequest;
import java.util.Map;

/**
 * One task kind (SCORE, GENERATE, ...): turns a request into work for the running batch and says
 * how to fill the result once that work is done. Tasks never run forwards themselves, so every
 * request, alone or among hundreds, is computed by the same continuous batcher.
 */
public interface ModelTask {

    /**
     * @param request    the request
     * @param inputIds   its input as token ids (text tokenized, chat rendered, or given ids)
     * @param parameters effective parameters to record in the provenance (defaults applied)
     * @param tokens     where to stream tokens, for tasks that produce them
     * @throws TaskException when the request cannot be served
     */
    TaskWork plan(PromptRequest request, int[] inputIds, Map<String, String> parameters, TokenSink tokens);
}
