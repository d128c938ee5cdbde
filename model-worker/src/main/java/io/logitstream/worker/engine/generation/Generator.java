package io.logitstream.worker.engine.generation;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.ContextLengthExceededException;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.KvCache;
import io.logitstream.worker.engine.LoadedModel;
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
        GenerationStream stream = new GenerationStream(loaded, promptIds, options, listener);
        long t0 = System.nanoTime();
        long prefill = 0;
        try (KvCache cache = model.newCache(promptIds.length + stream.maxNewTokens())) {
            int[] step = promptIds;
            boolean done = false;
            while (!done) {
                try (NDManager scope = model.manager().newSubManager();
                        ForwardOutput out = model.forward(ForwardInput.builder(new int[][] {step})
                                .cache(cache).logitsToKeep(1).build(), scope)) {
                    done = stream.accept(out.logits().reshape(1, model.vocabSize()));
                    if (prefill == 0) {
                        prefill = System.nanoTime() - t0;
                    }
                    step = new int[] {stream.lastToken()};
                }
            }
        }
        return stream.result(prefill, System.nanoTime() - t0 - prefill);
    }
}
