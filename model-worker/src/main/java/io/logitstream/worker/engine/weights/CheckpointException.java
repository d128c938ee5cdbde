package io.logitstream.worker.engine.weights;

/**
 * A checkpoint cannot be read as asked: a missing tensor, a shape that does not match the
 * architecture, a truncated or malformed safetensors file. The message always names the file
 * and, where there is one, the tensor, because that is what an operator needs to fix it.
 */
public class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
