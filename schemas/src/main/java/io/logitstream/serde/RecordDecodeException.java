package io.logitstream.serde;

import org.apache.kafka.common.errors.SerializationException;

/** Bytes on a topic could not be decoded; {@link #error()} says which way they were wrong. */
public class RecordDecodeException extends SerializationException {

    private final DecodeError error;

    public RecordDecodeException(DecodeError error, String message) {
        this(error, message, null);
    }

    public RecordDecodeException(DecodeError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    public DecodeError error() {
        return error;
    }

    /** True when the same bytes may decode later (the registry was down), so they must not be dead-lettered. */
    public boolean isTransient() {
        return error == DecodeError.REGISTRY_UNAVAILABLE;
    }
}
