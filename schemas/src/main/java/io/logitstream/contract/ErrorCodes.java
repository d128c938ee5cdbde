package io.logitstream.contract;

/**
 * Stable error codes carried by dead letters ({@code DeadLetter.error_code}) and error results
 * ({@code ScoringResult.error.code}). Clients match on these; never rename one.
 */
public final class ErrorCodes {

    // Dead letters: the record itself is unusable.
    /** The value is not a decodable PromptRequest (see the message for which way). */
    public static final String UNDECODABLE = "UNDECODABLE";
    /** The request is decodable but breaks the contract (missing input, bad parameter range, ...). */
    public static final String INVALID_REQUEST = "INVALID_REQUEST";

    // Error results: the request is valid but cannot be served.
    /**
     * The request_id was already seen within the dedupe retention: this copy is not served. The message
     * names the request_id and when it was first seen; the original's own result (or dead letter) answers
     * it. A reader that already holds a result for the request_id ignores this one.
     */
    public static final String DUPLICATE = "DUPLICATE";
    /** No worker pool serves the requested model. */
    public static final String UNKNOWN_MODEL = "UNKNOWN_MODEL";
    /** The prompt (plus the requested new tokens) does not fit the model's context window. */
    public static final String CONTEXT_LENGTH_EXCEEDED = "CONTEXT_LENGTH_EXCEEDED";
    /** The worker cannot do what was asked (e.g. a task or option it does not implement yet). */
    public static final String UNSUPPORTED = "UNSUPPORTED";
    /** The input does not fit this model (e.g. a token id outside its vocabulary). */
    public static final String INVALID_INPUT = "INVALID_INPUT";
    /** The model has no chat template but chat messages were sent. */
    public static final String NO_CHAT_TEMPLATE = "NO_CHAT_TEMPLATE";
    /**
     * The result asked for (top_logprobs or logprobs_of at every position, full-vocabulary teacher
     * logits) would not fit one message of the results topic; the message says how much to ask for.
     */
    public static final String RESULT_TOO_LARGE = "RESULT_TOO_LARGE";
    /** The engine failed while computing; the message has the cause. */
    public static final String ENGINE_ERROR = "ENGINE_ERROR";

    private ErrorCodes() {
    }
}
