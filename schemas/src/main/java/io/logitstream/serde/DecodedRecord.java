package io.logitstream.serde;

import java.util.List;

/**
 * A decoded record and the paths of its strings whose bytes were not UTF-8 (Avro decoded them with
 * U+FFFD replacement characters). A reader that must not act on altered text rejects the record
 * when the list is not empty; the paths follow the writer schema, e.g. {@code text} or
 * {@code messages[].content}.
 */
public record DecodedRecord<T>(T value, List<String> malformedUtf8Fields) {

    public DecodedRecord {
        malformedUtf8Fields = List.copyOf(malformedUtf8Fields);
    }

    public boolean hasMalformedUtf8() {
        return !malformedUtf8Fields.isEmpty();
    }
}
