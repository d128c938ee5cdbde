package io.logitstream.worker.engine.generation;

import ai.djl.ndarray.NDArray;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.batch.BatchSequence;
import io.logitstream.worker.engine.batch.BatchWork;
import io.logitstream.worker.engine.batch.SlotKvCache;
import io.logitstream.worker.engine.tensor.Torch;
import java.util.ArrayList;
import java.util.List;

/**
 * Beam search as num_beams sequences of the running batch, in adjacent KV slots. The prompt is
 * prefilled once, in the first beam; the others hold their slots until the first step forks them.
 * After every step, {@link BeamSearch} (transformers' decisions) says which beam continues which:
 * the slots are reordered by one gather per layer, and every beam appends its token.
 */
public final class BeamWork implements BatchWork {
    private final LoadedModel model;
    private final BeamSearch search;
    private final List<BatchSequence> beams = new ArrayList<>();
    private final float[][] rows;
    private final int maxLength;

    public BeamWork(LoadedModel model, int[] promptIds, BeamSettings settings) {
        this.model = model;
        this.search = new BeamSearch(settings);
        for (int i = 0; i < settings.numBeams(); i++) {
            BatchSequence beam = new BatchSequence(promptIds, promptIds.length - 1, promptIds.length);
            if (i > 0) {
                beam.hold();
            }
            beams.add(beam);
        }
        this.rows = new float[settings.numBeams()][];
        this.maxLength = promptIds.length + settings.maxNewTokens() - 1;
    }

    @Override
    public List<BatchSequence> sequences() {
        return beams;
    }

    /** Beams share the prompt; keeping one beam keeps it (the others differ only in their new tokens). */
    @Override
    public List<BatchSequence> cacheable() {
        return beams.subList(0, 1);
    }

    @Override
    public int maxLength() {
        return maxLength;
    }

    @Override
    public void onLogits(BatchSequence beam, int firstPosition, NDArray logits) {
        // transformers' beam search scores candidates with log_softmax of the raw logits
        try (NDArray logProbs = Torch.logSoftmax(logits, -1)) {
            rows[beams.indexOf(beam)] = logProbs.toFloatArray();
        }
    }

    @Override
    public void afterStep(SlotKvCache cache) {
        int live = search.liveBeams();
        for (int i = 0; i < live; i++) {
            if (rows[i] == null) {
                return; // a beam's logits are still to come (its prefill was chunked)
            }
        }
        float[][] step = new float[live][];
        System.arraycopy(rows, 0, step, 0, live);
        java.util.Arrays.fill(rows, null);
        BeamStep next = search.step(step);
        if (next.done()) {
            return;
        }
        reorder(next.parents(), cache);
        for (int i = 0; i < beams.size(); i++) {
            beams.get(i).resume();
            beams.get(i).append(next.tokens()[i]);
        }
    }

    /** Beam i becomes a copy of beam parents[i]: KV slots and token histories, all at once. */
    private void reorder(int[] parents, SlotKvCache cache) {
        List<Integer> targets = new ArrayList<>();
        List<Integer> sources = new ArrayList<>();
        List<BatchSequence> snapshot = new ArrayList<>();
        for (BatchSequence beam : beams) {
            BatchSequence copy = new BatchSequence(new int[] {0}, 0, 0);
            copy.copyFrom(beam);
            snapshot.add(copy);
        }
        for (int i = 0; i < parents.length; i++) {
            if (parents[i] != i) {
                targets.add(beams.get(i).slot());
                sources.add(beams.get(parents[i]).slot());
                beams.get(i).copyFrom(snapshot.get(parents[i]));
            }
        }
        cache.copySlots(targets.stream().mapToInt(Integer::intValue).toArray(),
                sources.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public boolean isDone() {
        return search.isDone();
    }

    /** The num_return_sequences best hypotheses, best first. */
    public List<BeamHypothesis> result() {
        return search.result();
    }

    /**
     * The text of a hypothesis (empty without a tokenizer): like a sampled reply's
     * ({@link GenerationStream#result}), without the stop token that finished it, which
     * skip_special_tokens would keep when it is an ordinary token (a request's eos id, ChatGLM3's role tokens).
     */
    public String text(BeamHypothesis h) {
        if (!model.tokenizer().isAvailable()) {
            return "";
        }
        int[] ids = h.newIds();
        int[] reply = h.finishReason() == FinishReason.EOS ? java.util.Arrays.copyOf(ids, ids.length - 1) : ids;
        return model.tokenizer().decode(reply, true);
    }
}
