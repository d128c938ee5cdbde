package io.logitstream.worker.task;

/**
 * A request that is valid but cannot be served. The worker answers it with an error result
 * carrying {@link #code()} (one of {@code io.logitstream.contract.ErrorCodes}) and the message.
 */
public class TaskException extends RuntimeException {

    private final String code;

    public TaskException(String code, String message) {
        this(code, message, null);
    }

    public TaskException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
