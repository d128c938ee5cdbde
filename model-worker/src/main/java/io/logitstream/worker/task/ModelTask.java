package io.logitstream.worker.task;

import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import java.util.Map;

/** One task kind (SCORE, GENERATE, ...): computes its output into the result being built. */
public interface ModelTask {

    /**
     * @param request    the request
     * @param inputIds   its input as token ids (text tokenized, chat rendered, or given ids)
     * @param result     the result to fill (request fields, input_ids, provenance are set by the caller)
     * @param parameters effective parameters to record in the provenance (defaults applied)
     * @param tokens     where to stream tokens, for tasks that produce them
     * @throws TaskException when the request cannot be served
     */
    void run(PromptRequest request, int[] inputIds, ScoringResult.Builder result, Map<String, String> parameters,
            TokenSink tokens);
}
