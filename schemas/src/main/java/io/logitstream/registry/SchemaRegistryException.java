package io.logitstream.registry;

/** A registry call failed; the message says what to do about it. */
public class SchemaRegistryException extends RuntimeException {

    /** HTTP status of the answer, or -1 when the registry could not be reached at all. */
    private final int httpStatus;
    /** Confluent error code from the answer body (e.g. 40403 schema not found), or -1. */
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int errorCode() {
        return errorCode;
    }

    /** True when the registry answered that the schema (id or version) does not exist. */
    public boolean isNotFound() {
        return httpStatus == 404;
    }

    /** True when the registry was not reachable (connection refused, timeout). */
    public boolean isUnreachable() {
        return httpStatus == -1;
    }

    /**
     * True when asking again later may succeed: the registry was unreachable, overloaded (408, 429)
     * or failed inside (5xx, e.g. Apicurio's H2 unique-index race when two clients register the
     * same schema at once). False for answers about the request itself (4xx) and for schemas that
     * are unusable here (a JSON Schema id, text that does not parse as Avro).
     */
    public boolean isTransient() {
        return httpStatus == -1 || httpStatus == 408 || httpStatus == 429 || httpStatus >= 500;
    }
}
