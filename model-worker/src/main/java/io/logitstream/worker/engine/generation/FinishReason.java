package io.logitstream.worker.engine.generation;

/** Why generation stopped; {@link #wireName()} is the value results carry (OpenAI/vLLM style). */
public enum FinishReason {
    /** max_new_tokens reached, or the model's context is full. */
    LENGTH("length"),
    /** An end-of-sequence token was generated. */
    EOS("eos"),
    /** The text reached one of the requested stop strings (which are cut from the output). */
    STOP("stop");

    private final String wireName;

    FinishReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
