package io.logitstream.worker.engine.tokenizer;

/** The tokenizer files are missing or unusable, or a chat template cannot be rendered. */
public class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
