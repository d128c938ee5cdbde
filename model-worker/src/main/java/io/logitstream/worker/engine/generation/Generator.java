package io.logitstream.worker.engine.generation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.ContextLengthExceededException;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.KvCache;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.tensor.Torch;
import io.logitstream.worker.engine.tokenizer.StreamingDetokenizer;
import io.logitstream.worker.engine.tokenizer.TokenizerException;
import java.util.Arrays;
import java.util.Set;

/**
 * Autoregressive generation with the KV cache: one forward over the prompt (prefill), then one
 * single-token forward per new token, keeping only the last position's logits. The choice of
 * the token is delegated to a {@link SamplingPolicy}; the reported logprob and alternatives are
 * those of the model's raw distribution. A checkpoint without a tokenizer generates ids only
 * (empty text and deltas).
 */
public final class Generator {
    private final LoadedModel loaded;
    private final CausalLanguageModel model;

    public Generator(LoadedModel loaded) {
        this.loaded = loaded;
        this.model = loaded.model();
    }

    /** Greedy decoding that stops at {@code eosIds} (null: the model's) or after maxNewTokens. */
    public GenerationResult generateGreedy(int[] promptIds, int maxNewTokens, Set<Integer> eosIds, TokenListener listener) {
        return generate(promptIds, GenerationOptions.greedy(maxNewTokens).withEos(eosIds), listener);
    }

    /**
     * Generates from a prompt.
     *
     * @throws ContextLengthExceededException when the prompt alone exceeds the context length
     */
    public GenerationResult generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("cannot generate from an empty prompt");
        }
        int ctx = model.contextLength();
        if (promptIds.length > ctx) {
            throw new ContextLengthExceededException(promptIds.length, ctx);
        }
        Set<Integer> eos = options.ignoreEos() ? Set.of()
                : options.eosTokenIds() != null ? options.eosTokenIds() : loaded.generationDefaults().eosTokenIds();
        // The last new token needs no forward of its own, hence + 1.
        int maxNew = Math.min(options.maxNewTokens(), ctx - promptIds.length + 1);
        int k = Math.min(options.topK(), model.vocabSize());
        // A checkpoint without a tokenizer generates ids only: no text, no deltas, no stop strings.
        boolean hasText = loaded.tokenizer().isAvailable();
        if (!hasText && !options.stopStrings().isEmpty()) {
            throw new TokenizerException("model '" + loaded.name() + "' has no tokenizer.json, so stop strings"
                    + " cannot be matched; use eos ids or max new tokens");
        }
        StreamingDetokenizer detok = hasText ? StreamingDetokenizer.of(loaded.tokenizer()) : null;
        StopStringMatcher stops = new StopStringMatcher(options.stopStrings());

        int[] history = Arrays.copyOf(promptIds, promptIds.length + maxNew);
        int[] newIds = new int[maxNew];
        float[] logprobs = new float[maxNew];
        int[][] topIds = new int[maxNew][];
        float[][] topLps = new float[maxNew][];
        int produced = 0;
        FinishReason reason = FinishReason.LENGTH;
        long t0 = System.nanoTime();
        long prefill = 0;
        try (KvCache cache = model.newCache(promptIds.length + maxNew)) {
            int[] step = promptIds;
            while (true) {
                try (NDManager scope = model.manager().newSubManager();
                        ForwardOutput out = model.forward(ForwardInput.builder(new int[][] {step})
                                .cache(cache).logitsToKeep(1).build(), scope)) {
                    NDArray lastLogits = out.logits().reshape(1, model.vocabSize());
                    int token = options.policy().choose(lastLogits, new int[][] {
                        Arrays.copyOf(history, promptIds.length + produced)})[0];
                    NDArray logProbs = Torch.logSoftmax(lastLogits, -1);
                    float lp = logProbs.gather(scope.create(new long[] {token}, new Shape(1, 1)), 1).getFloat();
                    int[] ti = new int[k];
                    float[] tl = new float[k];
                    if (k > 0) {
                        NDList top = logProbs.topK(k, -1, true, true);
                        tl = top.get(0).toFloatArray();
                        long[] idx = top.get(1).toLongArray();
                        for (int q = 0; q < k; q++) {
                            ti[q] = (int) idx[q];
                        }
                    }
                    if (produced == 0) {
                        prefill = System.nanoTime() - t0;
                    }
                    newIds[produced] = token;
                    logprobs[produced] = lp;
                    topIds[produced] = ti;
                    topLps[produced] = tl;
                    history[promptIds.length + produced] = token;
                    produced++;
                    boolean isEos = eos.contains(token);
                    String delta = detok == null ? "" : detok.add(token);
                    if (detok != null && (isEos || produced == maxNew)) {
                        delta += detok.flush();
                    }
                    if (!stops.isEmpty()) {
                        delta = stops.add(delta);
                    }
                    boolean last = isEos || produced == maxNew || stops.stopped();
                    if (stops.stopped()) {
                        reason = FinishReason.STOP;
                    } else if (isEos) {
                        reason = FinishReason.EOS;
                    }
                    if (last && !stops.stopped()) {
                        delta += stops.flush();
                    }
                    listener.onToken(new GeneratedToken(produced - 1, token, delta, lp, ti, tl, last,
                            last ? reason : null));
                    if (last) {
                        break;
                    }
                    step = new int[] {token};
                }
            }
        }
        long total = System.nanoTime() - t0;
        int[] ids = Arrays.copyOf(newIds, produced);
        String text = hasText ? stops.truncate(loaded.tokenizer().decode(ids, true)) : "";
        return new GenerationResult(promptIds.clone(), ids, text, reason, Arrays.copyOf(logprobs, produced),
                Arrays.copyOf(topIds, produced), Arrays.copyOf(topLps, produced), prefill, total - prefill);
    }
}
