package io.logitstream.serde;

/** Why bytes could not be turned into a record; the names are the dead-letter error codes. */
public enum DecodeError {
    /** Missing or wrong magic byte, or too short for the header. */
    NOT_WIRE_FORMAT,
    /** The registry does not know the schema id in the header. */
    UNKNOWN_SCHEMA_ID,
    /** The writer schema cannot be read as the expected record (incompatible or a different record). */
    INCOMPATIBLE_SCHEMA,
    /** The payload does not decode with the writer schema (corrupt or truncated). */
    CORRUPT_PAYLOAD,
    /** The registry could not be reached; retrying later may succeed. */
    REGISTRY_UNAVAILABLE
}
