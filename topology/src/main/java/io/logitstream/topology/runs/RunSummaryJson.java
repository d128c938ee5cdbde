package io.logitstream.topology.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.schema.LatencyHistogram;
import io.logitstream.schema.RunSummary;
import io.logitstream.serde.AvroToJson;
import java.util.List;

/**
 * A run summary as JSON: its Avro fields by name, plus, in each latency histogram, the non-empty
 * buckets with their bounds ({@code buckets: [{from_ms, to_ms, count}]}, {@code to_ms} null for the
 * open last one), so a reader needs no knowledge of the bucket layout to draw or read it.
 */
public final class RunSummaryJson {

    private RunSummaryJson() {
    }

    public static ObjectNode of(RunSummary summary) {
        ObjectNode json = AvroToJson.record(summary);
        addBuckets(json.get("queue_ms"), summary.getQueueMs());
        addBuckets(json.get("compute_ms"), summary.getComputeMs());
        return json;
    }

    private static void addBuckets(JsonNode node, LatencyHistogram histogram) {
        if (!(node instanceof ObjectNode json) || histogram == null) {
            return;
        }
        ArrayNode buckets = json.putArray("buckets");
        List<Long> counts = histogram.getCounts();
        for (int i = 0; i < counts.size(); i++) {
            if (counts.get(i) > 0) {
                ObjectNode bucket = buckets.addObject();
                bucket.put("from_ms", LogBuckets.lowerBound(i));
                double upper = LogBuckets.upperBound(i);
                if (Double.isInfinite(upper)) {
                    bucket.putNull("to_ms");
                } else {
                    bucket.put("to_ms", upper);
                }
                bucket.put("count", counts.get(i));
            }
        }
    }
}
