package io.logitstream.worker.engine;

/** A model folder cannot be served: unsupported architecture, unusable device, bad files. */
public class ModelLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
