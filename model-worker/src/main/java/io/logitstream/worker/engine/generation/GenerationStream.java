package io.logitstream.worker.engine.generation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.logitstream.worker.engine.ContextLengthExceededException;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.scoring.SelectedTokens;
import io.logitstream.worker.engine.tensor.Torch;
import io.logitstream.worker.engine.tokenizer.StreamingDetokenizer;
import io.logitstream.worker.engine.tokenizer.TokenizerException;
import java.util.Arrays;
import java.util.Set;

/**
 * One generation, token by token, independent of how its forwards are batched: given the logits
 * of the last position, it chooses the next token (through the {@link SamplingPolicy}), records
 * its raw logprob and alternatives, advances the detokenizer and the stop strings, tells the
 * listener, and decides when to finish (EOS, stop string, max new tokens). The one-at-a-time
 * {@link Generator} and the continuous-batching {@link GenerationWork} both drive it, so a token
 * is chosen the same way in both.
 */
public final class GenerationStream {
    private final LoadedModel loaded;
    private final int[] promptIds;
    private final GenerationOptions options;
    private final TokenListener listener;
    private final Set<Integer> eos;
    private final int maxNew;
    private final int topK;
    private final StreamingDetokenizer detok;
    private final StopStringMatcher stops;
    private final int[] history;
    private final float[] logprobs;
    private final int[][] topIds;
    private final float[][] topLps;
    private final float[][] selected;
    private int produced;
    private boolean finished;
    private FinishReason reason = FinishReason.LENGTH;

    /** @throws ContextLengthExceededException when the prompt alone exceeds the context length */
    public GenerationStream(LoadedModel loaded, int[] promptIds, GenerationOptions options, TokenListener listener) {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("cannot generate from an empty prompt");
        }
        int ctx = loaded.model().contextLength();
        if (promptIds.length > ctx) {
            throw new ContextLengthExceededException(promptIds.length, ctx);
        }
        this.loaded = loaded;
        this.promptIds = promptIds.clone();
        this.options = options;
        this.listener = listener;
        this.eos = options.ignoreEos() ? Set.of()
                : options.eosTokenIds() != null ? options.eosTokenIds() : loaded.generationDefaults().eosTokenIds();
        // The last new token needs no forward of its own, hence + 1.
        this.maxNew = Math.min(options.maxNewTokens(), ctx - promptIds.length + 1);
        this.topK = Math.min(options.topK(), loaded.model().vocabSize());
        // A checkpoint without a tokenizer generates ids only: no text, no deltas, no stop strings.
        boolean hasText = loaded.tokenizer().isAvailable();
        if (!hasText && !options.stopStrings().isEmpty()) {
            throw new TokenizerException("model '" + loaded.name() + "' has no tokenizer.json (nor tokenizer.model),"
                    + " so stop strings cannot be matched; use eos ids or max new tokens");
        }
        this.detok = hasText ? StreamingDetokenizer.of(loaded.tokenizer()) : null;
        this.stops = new StopStringMatcher(options.stopStrings());
        this.history = Arrays.copyOf(promptIds, promptIds.length + maxNew);
        this.logprobs = new float[maxNew];
        this.topIds = new int[maxNew][];
        this.topLps = new float[maxNew][];
        this.selected = new float[maxNew][];
    }

    /** The most tokens this generation can produce. */
    public int maxNewTokens() {
        return maxNew;
    }

    public boolean isFinished() {
        return finished;
    }

    /** The token chosen by the last {@link #accept}. */
    public int lastToken() {
        return history[promptIds.length + produced - 1];
    }

    /**
     * Chooses the next token from the last position's fp32 logits [1, vocab] (which the policy may
     * edit in place) and reports it.
     *
     * @return whether the generation is finished with this token
     */
    public boolean accept(NDArray lastLogits) {
        if (finished) {
            throw new IllegalStateException("the generation is already finished");
        }
        NDManager scope = lastLogits.getManager();
        NDArray logProbs = Torch.logSoftmax(lastLogits, -1);
        int token = options.policy().choose(lastLogits, new int[][] {Arrays.copyOf(history, promptIds.length + produced)})[0];
        float lp = logProbs.gather(scope.create(new long[] {token}, new Shape(1, 1)), 1).getFloat();
        int[] ti = new int[topK];
        float[] tl = new float[topK];
        if (topK > 0) {
            NDList top = logProbs.topK(topK, -1, true, true);
            tl = top.get(0).toFloatArray();
            long[] idx = top.get(1).toLongArray();
            for (int q = 0; q < topK; q++) {
                ti[q] = (int) idx[q];
            }
        }
        selected[produced] = SelectedTokens.gather(logProbs, options.selectedIds())[0];
        logProbs.close();
        logprobs[produced] = lp;
        topIds[produced] = ti;
        topLps[produced] = tl;
        history[promptIds.length + produced] = token;
        produced++;
        boolean isEos = eos.contains(token);
        // the stop token is not part of the reply: ChatGLM3's role stops (<|user|>) are not special
        // tokens, so skip_special_tokens would keep their text (its chat() drops the last id too)
        String delta = detok == null || isEos ? "" : detok.add(token);
        if (detok != null && (isEos || produced == maxNew)) {
            delta += detok.flush();
        }
        if (!stops.isEmpty()) {
            delta = stops.add(delta);
        }
        finished = isEos || produced == maxNew || stops.stopped();
        if (stops.stopped()) {
            reason = FinishReason.STOP;
        } else if (isEos) {
            reason = FinishReason.EOS;
        }
        if (finished && !stops.stopped()) {
            delta += stops.flush();
        }
        listener.onToken(new GeneratedToken(produced - 1, token, delta, lp, ti, tl, finished, finished ? reason : null));
        return finished;
    }

    /** The finished generation (or what it has so far). */
    public GenerationResult result(long prefillNanos, long decodeNanos) {
        int[] ids = Arrays.copyOfRange(history, promptIds.length, promptIds.length + produced);
        int[] replyIds = reason == FinishReason.EOS ? Arrays.copyOf(ids, ids.length - 1) : ids;
        String text = detok != null ? stops.truncate(loaded.tokenizer().decode(replyIds, true)) : "";
        return new GenerationResult(promptIds.clone(), ids, text, reason, Arrays.copyOf(logprobs, produced),
                Arrays.copyOf(topIds, produced), Arrays.copyOf(topLps, produced), prefillNanos, decodeNanos,
                Arrays.copyOf(selected, produced));
    }
}
