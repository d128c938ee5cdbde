package io.logitstream.serde;

/** Why bytes could not be turned into a record; the names are the dead-letter error codes. */
public enum DecodeError {
    /** Missing or wrong magic byte, or too short for the header. */
    NOT_WIRE_FORMAT,
    /** The registry does not know the schema id in the header. */
    UNKNOWN_SCHEMA_ID,
    /**
     * The schema id names something this reader cannot use: a JSON Schema or Protobuf schema, a
     * schema text that does not parse, or an id the registry refused with a 4xx other than 404.
     */
    UNSUPPORTED_SCHEMA,
    /** The writer schema cannot be read as the expected record (incompatible or a different record). */
    INCOMPATIBLE_SCHEMA,
    /** The payload does not decode with the writer schema (corrupt, truncated, or lengths it cannot hold). */
    CORRUPT_PAYLOAD,
    /** The payload is well formed but beyond what a reader accepts (nesting depth, items of zero size). */
    LIMIT_EXCEEDED,
    /** The registry could not be reached or failed (5xx, timeout); retrying later may succeed. */
    REGISTRY_UNAVAILABLE
}
