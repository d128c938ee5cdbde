package io.logitstream.app.runs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Two runs of the same requests compared request by request (paired by {@link RunPositions#pairKey})
 * and in total: top-1 flips, generated-text changes, logprob deltas, accuracy, provenance.
 */
public final class RunDiff {

    /** Line keys in numeric order, then the others by name. */
    static final Comparator<String> KEY_ORDER = Comparator
            .comparingLong((String key) -> key.startsWith("line ") ? Long.parseLong(key.substring(5)) : Long.MAX_VALUE)
            .thenComparing(Comparator.naturalOrder());

    private final String run1;
    private final String run2;
    private final double tolerance;
    private final int results1;
    private final int results2;
    private final List<RequestDiff> requests;
    private final Accuracy accuracy1;
    private final Accuracy accuracy2;

    record Accuracy(int correct, int total) {
        static Accuracy of(Map<String, ResultDigest> run) {
            int correct = 0;
            int total = 0;
            for (ResultDigest d : run.values()) {
                if (d.correct() != null) {
                    total++;
                    correct += d.correct() ? 1 : 0;
                }
            }
            return new Accuracy(correct, total);
        }

        double value() {
            return total == 0 ? Double.NaN : (double) correct / total;
        }
    }

    private RunDiff(String run1, String run2, double tolerance, int results1, int results2,
            List<RequestDiff> requests, Accuracy accuracy1, Accuracy accuracy2) {
        this.run1 = run1;
        this.run2 = run2;
        this.tolerance = tolerance;
        this.results1 = results1;
        this.results2 = results2;
        this.requests = requests;
        this.accuracy1 = accuracy1;
        this.accuracy2 = accuracy2;
    }

    /** Compares the results of two runs, each keyed by pair key. */
    public static RunDiff compare(String run1, String run2, Map<String, ResultDigest> first,
            Map<String, ResultDigest> second, double tolerance) {
        TreeMap<String, RequestDiff> byKey = new TreeMap<>(KEY_ORDER);
        first.forEach((key, a) -> {
            ResultDigest b = second.get(key);
            byKey.put(key, b == null ? RequestDiff.onlyIn("R1", a) : RequestDiff.of(a, b));
        });
        second.forEach((key, b) -> byKey.computeIfAbsent(key, k -> RequestDiff.onlyIn("R2", b)));
        return new RunDiff(run1, run2, tolerance, first.size(), second.size(), new ArrayList<>(byKey.values()),
                Accuracy.of(first), Accuracy.of(second));
    }

    public List<RequestDiff> requests() {
        return requests;
    }

    public List<RequestDiff> differing() {
        return requests.stream().filter(r -> r.differs(tolerance)).toList();
    }

    public boolean identical() {
        return differing().isEmpty();
    }

    /** Requests that only {@code run} ("R1" or "R2") has. */
    public int onlyIn(String run) {
        return (int) requests.stream().filter(r -> run.equals(r.missingIn() == null ? null
                : r.missingIn().equals("R1") ? "R2" : "R1")).count();
    }

    /** The totals of the comparison. */
    public ObjectNode totals() {
        ObjectNode t = JsonNodeFactory.instance.objectNode();
        t.put("run1", run1);
        t.put("run2", run2);
        t.put("results1", results1);
        t.put("results2", results2);
        t.put("paired", requests.stream().filter(r -> r.missingIn() == null).count());
        t.put("only_in_run1", onlyIn("R1"));
        t.put("only_in_run2", onlyIn("R2"));
        t.put("differing", differing().size());
        t.put("status_changes", requests.stream().filter(r -> r.statusChange() != null).count());
        t.put("top1_flips", requests.stream().filter(RequestDiff::top1Flip).count());
        t.put("choice_best_index_flips", count("CHOICE", RequestDiff::top1Flip));
        t.put("score_greedy_flips", count("SCORE", RequestDiff::top1Flip));
        t.put("classify_best_label_flips", count("CLASSIFY", RequestDiff::top1Flip));
        t.put("position_top1_flips", requests.stream().mapToLong(RequestDiff::positionFlips).sum());
        t.put("generated_text_changes", requests.stream().filter(RequestDiff::textChanged).count());
        long compared = requests.stream().mapToLong(RequestDiff::compared).sum();
        t.put("logprobs_compared", compared);
        t.put("max_logprob_delta", requests.stream().mapToDouble(RequestDiff::maxDelta).max().orElse(0));
        t.put("mean_logprob_delta", compared == 0 ? 0 : requests.stream().mapToDouble(RequestDiff::sumDelta).sum()
                / compared);
        t.put("tolerance", tolerance);
        ObjectNode accuracy = t.putObject("accuracy");
        accuracy.put("choices_with_gold_run1", accuracy1.total());
        accuracy.put("choices_with_gold_run2", accuracy2.total());
        putNumber(accuracy, "run1", accuracy1.value());
        putNumber(accuracy, "run2", accuracy2.value());
        putNumber(accuracy, "change", accuracy2.value() - accuracy1.value());
        ObjectNode provenance = t.putObject("provenance");
        for (RequestDiff r : requests) {
            for (String difference : r.provenance()) {
                provenance.put(difference, provenance.path(difference).asLong() + 1);
            }
        }
        t.put("identical", identical());
        return t;
    }

    private long count(String task, java.util.function.Predicate<RequestDiff> what) {
        return requests.stream().filter(r -> r.task().equals(task) && what.test(r)).count();
    }

    private static void putNumber(ObjectNode node, String name, double value) {
        if (Double.isNaN(value)) {
            node.putNull(name);
        } else {
            node.put(name, value);
        }
    }

    /** Fingerprints shortened to 12 hex digits, enough to tell checkpoints apart on a line. */
    static String shortened(String provenanceDifference) {
        return provenanceDifference.replaceAll("sha256:([0-9a-f]{12})[0-9a-f]{52}", "sha256:$1");
    }

    /** The whole comparison as one JSON object: totals, and the requests (all, or only those that differ). */
    public ObjectNode toJson(boolean all) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("total", totals());
        ArrayNode list = out.putArray("requests");
        for (RequestDiff r : all ? requests : differing()) {
            ObjectNode node = list.addObject();
            node.put("key", r.key());
            node.put("request_id1", r.requestId1());
            node.put("request_id2", r.requestId2());
            node.put("task", r.task());
            node.put("differs", r.differs(tolerance));
            node.put("missing_in", r.missingIn() == null ? null : r.missingIn().equals("R1") ? "run1" : "run2");
            node.put("status_change", r.statusChange());
            node.put("top1_flip", r.top1Flip());
            node.put("position_top1_flips", r.positionFlips());
            node.put("text_changed", r.textChanged());
            if (r.firstDivergence() != null) {
                node.put("first_divergent_token", r.firstDivergence());
            }
            node.put("shape_changed", r.shapeChanged());
            node.put("logprobs_compared", r.compared());
            node.put("max_logprob_delta", r.maxDelta());
            node.put("mean_logprob_delta", r.meanDelta());
            if (r.correct1() != null || r.correct2() != null) {
                node.put("correct1", r.correct1());
                node.put("correct2", r.correct2());
            }
            ArrayNode provenance = node.putArray("provenance");
            r.provenance().forEach(provenance::add);
        }
        return out;
    }

    /** A line per request that differs (every request with {@code all}), then the totals. */
    public void print(PrintStream out, boolean all) {
        Set<String> common = commonProvenance();
        for (RequestDiff r : all ? requests : differing()) {
            out.println(describe(r, common));
        }
        ObjectNode t = totals();
        out.printf(Locale.ROOT, "R1 = %s (%d results), R2 = %s (%d results): %d paired, %d only in R1, %d only in R2%n",
                run1, results1, run2, results2, t.get("paired").asLong(), onlyIn("R1"), onlyIn("R2"));
        out.printf(Locale.ROOT, "differing requests: %d (tolerance %.0e on logprobs)%n", t.get("differing").asLong(),
                tolerance);
        out.printf(Locale.ROOT, "top-1 flips: %d (CHOICE best_index %d, SCORE is_greedy %d); positions whose top-1"
                + " token changed: %d%n", t.get("top1_flips").asLong(), t.get("choice_best_index_flips").asLong(),
                t.get("score_greedy_flips").asLong(), t.get("position_top1_flips").asLong());
        out.printf(Locale.ROOT, "generated text changes: %d; status changes: %d%n",
                t.get("generated_text_changes").asLong(), t.get("status_changes").asLong());
        out.printf(Locale.ROOT, "logprob delta: max %.3g, mean %.3g over %d values%n",
                t.get("max_logprob_delta").asDouble(), t.get("mean_logprob_delta").asDouble(),
                t.get("logprobs_compared").asLong());
        if (accuracy1.total() > 0 || accuracy2.total() > 0) {
            out.printf(Locale.ROOT, "accuracy (CHOICE with gold): %d/%d = %.4f -> %d/%d = %.4f (%+.4f)%n",
                    accuracy1.correct(), accuracy1.total(), accuracy1.value(), accuracy2.correct(),
                    accuracy2.total(), accuracy2.value(), accuracy2.value() - accuracy1.value());
        }
        Set<String> seen = new HashSet<>();
        t.get("provenance").fields().forEachRemaining(e -> {
            seen.add(e.getKey());
            out.println("provenance: " + shortened(e.getKey()) + " (" + e.getValue().asLong() + " requests)");
        });
        if (seen.isEmpty()) {
            out.println("provenance: same model fingerprint, engine version, device, parameters and seeds");
        }
        out.println(identical() ? "identical" : "different");
    }

    /**
     * Provenance differences every paired request shares (a replay on another model): said once in
     * the totals, not on every request's line.
     */
    private Set<String> commonProvenance() {
        Set<String> common = null;
        for (RequestDiff r : requests) {
            if (r.missingIn() == null) {
                if (common == null) {
                    common = new HashSet<>(r.provenance());
                } else {
                    common.retainAll(r.provenance());
                }
            }
        }
        return common == null ? Set.of() : common;
    }

    private String describe(RequestDiff r, Set<String> commonProvenance) {
        List<String> parts = new ArrayList<>();
        if (r.missingIn() != null) {
            parts.add("only in " + (r.missingIn().equals("R1") ? "R2" : "R1"));
        }
        if (r.statusChange() != null) {
            parts.add("status " + r.statusChange());
        }
        if (r.top1Flip()) {
            parts.add(r.task().equals("CHOICE") ? "best_index flip" : r.task().equals("SCORE") ? "is_greedy flip"
                    : "top-1 flip");
        }
        if (r.positionFlips() > 0) {
            parts.add(r.positionFlips() + " positions' top-1 changed");
        }
        if (r.textChanged()) {
            parts.add("text changed at new token " + r.firstDivergence());
        }
        if (r.shapeChanged()) {
            parts.add("different number of tokens or candidates");
        }
        if (r.compared() > 0 && r.maxDelta() > 0) {
            parts.add(String.format(Locale.ROOT, "max |dlogprob| %.3g, mean %.3g (%d values)", r.maxDelta(),
                    r.meanDelta(), r.compared()));
        }
        if (!Objects.equals(r.correct1(), r.correct2())) {
            parts.add("correct " + r.correct1() + " -> " + r.correct2());
        }
        r.provenance().stream().filter(p -> !commonProvenance.contains(p)).map(RunDiff::shortened)
                .forEach(parts::add);
        String ids = r.requestId1() + " / " + r.requestId2();
        return r.key() + "  " + r.task() + "  " + ids + "  " + (!parts.isEmpty() ? String.join("; ", parts)
                : r.differs(tolerance) ? "same answer; provenance differs (below)" : "same");
    }
}
