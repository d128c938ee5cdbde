package io.logitstream.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.classification.SequenceClassifier;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our side of the CLASSIFY workloads, on the public engine API: the prompts in the Scorer's
 * sub-batches (so both engines pad alike, as for score b32), one forward each through the
 * {@link SequenceClassifier} (the label head over every position, as transformers'
 * {@code *ForSequenceClassification} computes it), then the row of each prompt's last token:
 * what {@code LastTokenPooling} picks when no pad token occurs in the prompt (the bench's random
 * ids are all below the pad id).
 */
final class OurClassification {
    private OurClassification() {
    }

    static boolean isClassifier(CausalLanguageModel model) {
        return model instanceof SequenceClassifier;
    }

    /** The label logits of every prompt, in input order. */
    static List<float[]> classify(CausalLanguageModel model, List<int[]> seqs) {
        Map<int[], float[]> byPrompt = new IdentityHashMap<>();
        for (List<int[]> sub : Batching.splitLikeScorer(seqs, model.vocabSize(), Batching.LOGITS_BUDGET_BYTES)) {
            int max = sub.stream().mapToInt(s -> s.length).max().orElseThrow();
            try (NDManager scope = model.manager().newSubManager();
                    ForwardOutput out = model.forward(ForwardInput.rightPadded(sub).logitsToKeep(max).build(), scope)) {
                NDArray logits = out.logits();
                long kept = logits.getShape().get(1);
                for (int b = 0; b < sub.size(); b++) {
                    int[] s = sub.get(b);
                    byPrompt.put(s, logits.get(b, s.length - 1 - (max - kept)).toFloatArray());
                }
            }
        }
        List<float[]> result = new ArrayList<>();
        seqs.forEach(s -> result.add(byPrompt.get(s)));
        return result;
    }
}
