package io.logitstream.app.runs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * How one request's result in the second run differs from its result in the first.
 *
 * @param missingIn      null when both runs have the request, else the run that lacks it ("R1" or "R2")
 * @param statusChange   e.g. {@code OK -> ERROR CONTEXT_LENGTH_EXCEEDED}; null when the status is the same
 * @param top1Flip       CHOICE: best_index (raw or per-token) changed; SCORE: is_greedy changed; TEACHER:
 *                       any position's top-1 token changed
 * @param positionFlips  SCORE (with top_logprobs) and TEACHER: positions whose top-1 token changed
 * @param firstDivergence GENERATE: index of the first new token that differs, null when none does
 * @param shapeChanged   the two results scored different numbers of tokens or candidates
 * @param compared       log-probabilities compared (GENERATE: over the tokens before the divergence)
 * @param provenance     what differs in the provenance (model, fingerprint, engine, device, parameters, seed)
 */
public record RequestDiff(String key, String requestId1, String requestId2, String task, String missingIn,
        String statusChange, boolean top1Flip, int positionFlips, boolean textChanged, Integer firstDivergence,
        boolean shapeChanged, int compared, double maxDelta, double sumDelta, Boolean correct1, Boolean correct2,
        List<String> provenance) {

    public static RequestDiff onlyIn(String run, ResultDigest d) {
        boolean first = run.equals("R1");
        return new RequestDiff(d.pairKey(), first ? d.requestId() : null, first ? null : d.requestId(), d.task(),
                first ? "R2" : "R1", null, false, 0, false, null, false, 0, 0, 0, first ? d.correct() : null,
                first ? null : d.correct(), List.of());
    }

    /** Compares the results of one request in two runs. */
    public static RequestDiff of(ResultDigest a, ResultDigest b) {
        List<String> provenance = provenance(a, b);
        if (!a.ok() || !b.ok()) {
            String change = a.ok() == b.ok() && Objects.equals(a.errorCode(), b.errorCode()) ? null
                    : status(a) + " -> " + status(b);
            return new RequestDiff(a.pairKey(), a.requestId(), b.requestId(), a.task(), null, change, false, 0,
                    false, null, false, 0, 0, 0, a.correct(), b.correct(), provenance);
        }
        boolean top1 = !Objects.equals(a.bestIndex(), b.bestIndex())
                || !Objects.equals(a.bestIndexNormalized(), b.bestIndexNormalized())
                || !Objects.equals(a.greedy(), b.greedy());
        int flips = 0;
        Integer divergence = null;
        boolean textChanged = false;
        int limit = Math.min(a.values().length, b.values().length);
        boolean shape = a.values().length != b.values().length;
        if (a.task().equals("GENERATE")) {
            divergence = firstDifference(a.argmax(), b.argmax());
            textChanged = divergence != null || !Objects.equals(a.text(), b.text());
            shape = false; // a different length is a text change, reported as such
            limit = divergence == null ? limit : Math.min(limit, divergence);
        } else if (a.argmax() != null && b.argmax() != null) {
            shape |= a.argmax().length != b.argmax().length;
            for (int i = 0; i < Math.min(a.argmax().length, b.argmax().length); i++) {
                flips += a.argmax()[i] != b.argmax()[i] ? 1 : 0;
            }
            top1 |= a.task().equals("TEACHER") && flips > 0;
        }
        int compared = 0;
        double max = 0;
        double sum = 0;
        for (int i = 0; i < limit; i++) {
            double x = a.values()[i];
            double y = b.values()[i];
            if (Double.isNaN(x) || Double.isNaN(y)) {
                shape |= Double.isNaN(x) != Double.isNaN(y);
                continue;
            }
            double delta = x == y ? 0 : Math.abs(x - y); // equal infinities are no difference
            max = Math.max(max, delta);
            sum += delta;
            compared++;
        }
        return new RequestDiff(a.pairKey(), a.requestId(), b.requestId(), a.task(), null, null, top1, flips,
                textChanged, divergence, shape, compared, max, sum, a.correct(), b.correct(), provenance);
    }

    /** True when the request did not give the same answer in both runs, within {@code tolerance} on logprobs. */
    public boolean differs(double tolerance) {
        return missingIn != null || statusChange != null || top1Flip || positionFlips > 0 || textChanged
                || shapeChanged || maxDelta > tolerance || !Objects.equals(correct1, correct2)
                || !provenance.isEmpty();
    }

    public double meanDelta() {
        return compared == 0 ? 0 : sumDelta / compared;
    }

    private static String status(ResultDigest d) {
        return d.ok() ? "OK" : "ERROR " + d.errorCode();
    }

    private static Integer firstDifference(int[] a, int[] b) {
        int[] x = a == null ? new int[0] : a;
        int[] y = b == null ? new int[0] : b;
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (x[i] != y[i]) {
                return i;
            }
        }
        return x.length == y.length ? null : Math.min(x.length, y.length);
    }

    /** Provenance differences that can change an answer; the worker id (which process) is left out. */
    static List<String> provenance(ResultDigest a, ResultDigest b) {
        List<String> out = new ArrayList<>();
        if (a.fingerprint() == null || b.fingerprint() == null) {
            return out; // no worker saw one of them: nothing to compare
        }
        field(out, "model_name", a.modelName(), b.modelName());
        field(out, "model_fingerprint", a.fingerprint(), b.fingerprint());
        field(out, "engine_version", a.engineVersion(), b.engineVersion());
        field(out, "device", a.device(), b.device());
        field(out, "seed", a.seed(), b.seed());
        Map<String, String> pa = a.parameters();
        Map<String, String> pb = b.parameters();
        TreeSet<String> keys = new TreeSet<>(pa.keySet());
        keys.addAll(pb.keySet());
        keys.remove("seed"); // reported above
        for (String key : keys) {
            field(out, "parameters." + key, pa.get(key), pb.get(key));
        }
        return out;
    }

    private static void field(List<String> out, String name, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            out.add(name + " " + a + " -> " + b);
        }
    }
}
