package io.logitstream.bench.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * One workload on one checkpoint: what every side answered, and how the sides compare.
 *
 * @param ours         our CHOICE requests through Kafka
 * @param lmEval       lm-eval's hf backend, one per batch size (empty without the reference sides)
 * @param transformers transformers from scratch (null without the reference sides)
 */
record WorkloadRun(EvalWorkload workload, SideResult ours, List<SideResult> lmEval, SideResult transformers) {
    /** Per-candidate loglikelihoods within this of lm-eval's, the target. */
    static final double TOLERANCE = 1e-4;
    /** Throughput over lm-eval's hf backend, the target. */
    static final double SPEEDUP_TARGET = 3.0;

    List<SideResult> sides() {
        List<SideResult> all = new ArrayList<>();
        all.add(ours);
        all.addAll(lmEval);
        if (transformers != null) {
            all.add(transformers);
        }
        return all;
    }

    /** lm-eval at its default batch size (the first one run), the reference for agreement. */
    SideResult lmEvalReference() {
        return lmEval.isEmpty() ? null : lmEval.get(0);
    }

    /** Our items/s over the other side's. */
    double speedupOver(SideResult other) {
        return ours.itemsPerSecond() / other.itemsPerSecond();
    }

    double accuracy(SideResult side) {
        return EvalComparison.accuracy(side.loglikelihoods(), workload.items());
    }

    /** Items whose token ids (context and candidates) are the same in ours and in lm-eval's split; -1 unknown. */
    int sameTokens() {
        if (transformers == null || transformers.tokens() == null || ours.tokens() == null) {
            return -1;
        }
        return EvalComparison.sameTokens(ours.tokens(), transformers.tokens());
    }
}
