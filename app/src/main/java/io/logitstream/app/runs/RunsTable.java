package io.logitstream.app.runs;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Run summaries (the query server's JSON) as text for a terminal. */
final class RunsTable {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());
    private static final String ROW = "%-24s %9s %9s %9s %7s %9s %9s %9s  %s%n";

    private RunsTable() {
    }

    /** One line per run: progress, errors, accuracy, compute latency percentiles, last update. */
    static void printList(JsonNode runs, PrintStream out) {
        if (runs.isEmpty()) {
            out.println("No runs yet: requests with a run_id appear here once the topology has seen them.");
            return;
        }
        out.printf(ROW, "RUN", "REQUESTS", "DONE", "ERRORS", "DUPS", "ACCURACY", "P50", "P99", "LAST UPDATE");
        for (JsonNode run : runs) {
            JsonNode compute = run.path("compute_ms");
            out.printf(ROW, run.path("run_id").asText(), run.path("requests").asLong(), run.path("done").asLong(),
                    run.path("errors").asLong(), run.path("duplicate_notices").asLong(),
                    percent(run.path("accuracy")), millis(compute.path("p50_ms")), millis(compute.path("p99_ms")),
                    time(run.path("last_at_ms")));
        }
    }

    /** Every field of one run's summary, grouped. */
    static void printRun(JsonNode run, PrintStream out) {
        line(out, "run", run.path("run_id").asText());
        line(out, "requests", run.path("requests").asLong() + " received, " + run.path("answered").asLong()
                + " answered: " + run.path("done").asLong() + " done, " + run.path("errors").asLong() + " errors");
        line(out, "errors by code", entries(run.path("errors_by_code")));
        line(out, "tasks", entries(run.path("tasks")));
        line(out, "duplicates", run.path("duplicate_notices").asLong() + " DUPLICATE notices, "
                + run.path("repeated_results").asLong() + " repeated results (not counted above)");
        line(out, "accuracy", percent(run.path("accuracy")) + " (length-normalised "
                + percent(run.path("accuracy_normalized")) + ") over " + run.path("choice_graded").asLong()
                + " graded CHOICE results");
        line(out, "score", run.path("score_results").asLong() + " SCORE results, " + run.path("score_tokens").asLong()
                + " tokens: mean NLL " + decimal(run.path("mean_nll"), 4) + ", perplexity "
                + decimal(run.path("perplexity"), 4));
        line(out, "tokens", "prompt " + run.path("prompt_tokens").asLong() + ", completion "
                + run.path("completion_tokens").asLong() + ", cached " + run.path("cached_tokens").asLong()
                + ", computed " + run.path("computed_tokens").asLong());
        line(out, "queue latency", latency(run.path("queue_ms")));
        line(out, "compute latency", latency(run.path("compute_ms")));
        line(out, "first", time(run.path("first_at_ms")));
        line(out, "last update", time(run.path("last_at_ms")));
        List<String> models = new ArrayList<>();
        run.path("models").forEach(m -> models.add(m.path("model").asText() + " " + m.path("fingerprint")
                .asText("(no fingerprint)") + ": " + m.path("results").asLong() + " results"));
        if (run.path("models_dropped").asLong() > 0) {
            models.add(run.path("models_dropped").asLong() + " results of further models not listed");
        }
        line(out, "models", models.isEmpty() ? "-" : String.join("\n" + " ".repeat(18), models));
    }

    private static void line(PrintStream out, String label, String value) {
        out.printf("%-17s %s%n", label + ":", value);
    }

    private static String latency(JsonNode histogram) {
        if (histogram.isMissingNode() || histogram.isNull() || histogram.path("count").asLong() == 0) {
            return "-";
        }
        long count = histogram.path("count").asLong();
        return "p50 " + millis(histogram.path("p50_ms")) + ", p90 " + millis(histogram.path("p90_ms")) + ", p99 "
                + millis(histogram.path("p99_ms")) + ", max " + histogram.path("max_ms").asLong() + " ms, mean "
                + String.format(Locale.ROOT, "%.1f", histogram.path("sum_ms").asDouble() / count) + " ms over " + count;
    }

    private static String entries(JsonNode map) {
        List<String> parts = new ArrayList<>();
        map.fields().forEachRemaining(e -> parts.add(e.getKey() + " " + e.getValue().asLong()));
        return parts.isEmpty() ? "-" : String.join(", ", parts);
    }

    private static String percent(JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.2f%%", 100 * value.asDouble()) : "-";
    }

    private static String decimal(JsonNode value, int digits) {
        return value.isNumber() ? String.format(Locale.ROOT, "%." + digits + "f", value.asDouble()) : "-";
    }

    private static String millis(JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.0f ms", Math.ceil(value.asDouble())) : "-";
    }

    private static String time(JsonNode epochMillis) {
        return epochMillis.isNumber() ? TIME.format(Instant.ofEpochMilli(epochMillis.asLong())) : "-";
    }
}
