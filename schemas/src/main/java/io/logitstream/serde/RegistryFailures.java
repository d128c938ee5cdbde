package io.logitstream.serde;

import io.logitstream.registry.SchemaRegistryException;

/**
 * Whose fault a failed schema lookup is. Only an unreachable or failing registry (no answer, a
 * timeout, 5xx, 429 too many requests) is transient; every other answer is a property of the schema
 * id the record carries: 404 means unknown, any other 4xx or a non-Avro schema type (answered with
 * 200) means this reader cannot use it. A transient failure is retried; the others are dead-lettered.
 */
final class RegistryFailures {

    private RegistryFailures() {
    }

    static DecodeError classify(SchemaRegistryException e) {
        int status = e.httpStatus();
        if (e.isUnreachable() || status >= 500 || status == 408 || status == 429) {
            return DecodeError.REGISTRY_UNAVAILABLE;
        }
        return e.isNotFound() ? DecodeError.UNKNOWN_SCHEMA_ID : DecodeError.UNSUPPORTED_SCHEMA;
    }
}
