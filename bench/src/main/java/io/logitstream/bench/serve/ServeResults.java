package io.logitstream.bench.serve;

import io.logitstream.worker.engine.config.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** Everything {@code bench serve} measured on one checkpoint, by workload and side. */
final class ServeResults {
    /** The sides of the Kafka path and the engine alone (transformers' labels come from {@link TransformersSide}). */
    static final String KAFKA = "kafka";
    static final String KAFKA_ONE = "kafka, 1 running sequence";
    static final String ENGINE = "engine alone";

    final String name;
    final Path dir;
    final ModelConfig config;
    /** N concurrent GENERATEs -> one result per side. */
    final NavigableMap<Integer, List<ServeMetrics>> concurrent = new TreeMap<>();
    /** Side -> the mixed load. */
    final Map<String, LoadRunner.Mixed> mixed = new LinkedHashMap<>();
    long engineLoadMillis;
    /** Class of the executor the engine-alone side ran (the worker processes run the same). */
    String executor;

    ServeResults(String name, Path dir, ModelConfig config) {
        this.name = name;
        this.dir = dir;
        this.config = config;
    }

    void add(int n, ServeMetrics m) {
        concurrent.computeIfAbsent(n, k -> new ArrayList<>()).add(m);
    }

    /** The result of {@code side} with {@code n} concurrent requests, or null. */
    ServeMetrics find(int n, String side) {
        return concurrent.getOrDefault(n, List.of()).stream().filter(m -> m.side().equals(side)).findFirst()
                .orElse(null);
    }

    /** The targets of the serving core (issue "serving core"), each with what was measured for it. */
    List<Target> targets(int longRequests) {
        List<Target> out = new ArrayList<>();
        out.add(new Target("8 concurrent GENERATEs: kafka new tokens/s / transformers' batched generate of the same"
                + " 8 prompts", ratio(find(8, KAFKA), find(8, TransformersSide.label(8, 8))), 1.5, true));
        out.add(new Target("32 concurrent GENERATEs: kafka new tokens/s / transformers' batch-8 throughput (the 32"
                + " prompts as 4 batches of 8)", ratio(find(32, KAFKA), find(32, TransformersSide.label(32, 8))), 3.0,
                true));
        LoadRunner.Mixed m = mixed.get(KAFKA);
        double slowdown = m == null ? Double.NaN
                : ServeMetrics.p50(m.loadedScores().latency()) / ServeMetrics.p50(m.idleScores().latency());
        out.add(new Target("a short SCORE during " + longRequests + " long GENERATEs (kafka): median latency / its"
                + " median idle latency", slowdown, 3.0, false));
        int top = concurrent.isEmpty() ? 0 : concurrent.lastKey();
        out.add(new Target("saturation (" + top + " concurrent GENERATEs): kafka new tokens/s / engine alone",
                ratio(find(top, KAFKA), find(top, ENGINE)), 0.9, true));
        return out;
    }

    private static double ratio(ServeMetrics a, ServeMetrics b) {
        return a == null || b == null ? Double.NaN : a.tokensPerSecond() / b.tokensPerSecond();
    }

    /** A goal: {@code value} at least (or at most) {@code goal}. */
    record Target(String what, double value, double goal, boolean atLeast) {
        String verdict() {
            if (Double.isNaN(value)) {
                return "not measured";
            }
            return (atLeast ? value >= goal : value <= goal) ? "reached" : "not reached";
        }
    }
}
