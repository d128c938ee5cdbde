package io.logitstream.worker.task;

import io.logitstream.schema.TopLogprobs;
import java.util.ArrayList;
import java.util.List;

/** Conversions from the engine's primitive arrays to the lists Avro records hold. */
final class AvroLists {

    private AvroLists() {
    }

    static List<Integer> ints(int[] values) {
        List<Integer> out = new ArrayList<>(values.length);
        for (int v : values) {
            out.add(v);
        }
        return out;
    }

    static List<Float> floats(float[] values) {
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return out;
    }

    /** Top-k alternatives at one position, or null when none were asked for. */
    static TopLogprobs top(int[] ids, float[] logprobs) {
        if (ids == null || ids.length == 0) {
            return null;
        }
        return new TopLogprobs(ints(ids), floats(logprobs));
    }
}
