package io.logitstream.bench;

import io.logitstream.worker.engine.config.ModelConfig;

/**
 * The FLOP count used for achieved GFLOP/s: useful work only (no padding, causal half of attention),
 * identical for both engines, so the GFLOP/s ratio equals the throughput ratio.
 *
 * <pre>
 * per token at position p (0-based, attends p + 1 keys):
 *   2 * P_dense                   matmul weights of the decoder layers (q, k, v, o / c_attn, c_proj; MLP),
 *                                 biases, norms and embeddings excluded
 * + 2 * V * d                     lm_head, for every position whose logits are computed
 * + L * 4 * H * hd * (p + 1)      attention: q.k^T and probs.v
 * score of T tokens:   T (2 P_dense + 2 V d) + L 4 H hd T (T + 1) / 2     (logits at every position)
 * generate T0 + N:     prefill T0 (2 P_dense) + L 4 H hd T0 (T0 + 1) / 2 + 2 V d   (logits of the last position)
 *                      + N - 1 decode steps, step i: 2 P_dense + 2 V d + L 4 H hd (T0 + i)
 * </pre>
 *
 * @param denseParams P_dense
 * @param lmHeadParams V * d
 * @param attnWidth H * hd (per layer, per key)
 */
public record ModelFlops(String modelType, long denseParams, long lmHeadParams, long embeddingParams, int layers,
        long attnWidth) {

    public static final String FORMULA = "FLOPs(score of T tokens) = T*(2*P_dense + 2*V*d) + L*4*H*hd*T*(T+1)/2;"
            + " FLOPs(generate N after T0) = T0*2*P_dense + L*4*H*hd*T0*(T0+1)/2 + 2*V*d"
            + " + sum_{i=1..N-1} [2*P_dense + 2*V*d + L*4*H*hd*(T0+i)];"
            + " P_dense = matmul weights of the decoder layers (no embeddings, biases, norms), V*d = lm_head;"
            + " FLOPs(classify T tokens) = T*2*P_dense + L*4*H*hd*T*(T+1)/2 (the label head is negligible);"
            + " useful work only: padding and the masked half of attention are not counted";

    public static ModelFlops of(ModelConfig c) {
        long d = c.hiddenSize();
        long layers = c.numLayers();
        long v = c.vocabSize();
        long h = c.numHeads();
        long kv = c.numKvHeads();
        long hd = c.headDim();
        long perLayer;
        long embeddings;
        switch (c.modelType()) {
            case "gpt2": {
                long inner = c.intermediateSize() != null ? c.intermediateSize() : 4 * d;
                perLayer = 4 * d * d + 2 * d * inner;
                embeddings = v * d + (long) c.maxPositions() * d;
                break;
            }
            case "llama":
            case "mistral":
            case "qwen2":
            case "glm": // GLM: q/k/v, o and a fused gate/up projection: the same matmul weights as Llama's
            case "glm4": {
                if (c.intermediateSize() == null) {
                    throw new IllegalArgumentException("config.json has no intermediate_size");
                }
                long i = c.intermediateSize();
                perLayer = d * h * hd + 2 * d * kv * hd + h * hd * d + 3 * d * i;
                embeddings = v * d * (c.tieWordEmbeddings() ? 1 : 2);
                break;
            }
            default:
                throw new IllegalArgumentException("no FLOP formula for model_type " + c.modelType());
        }
        return new ModelFlops(c.modelType(), perLayer * layers, v * d, embeddings, (int) layers, h * hd);
    }

    public double perTokenDense() {
        return 2.0 * denseParams + 2.0 * lmHeadParams;
    }

    public double score(int t) {
        return t * perTokenDense() + layers * 4.0 * attnWidth * t * (t + 1.0) / 2.0;
    }

    public double generate(int t0, int newTokens) {
        double f = t0 * 2.0 * denseParams + layers * 4.0 * attnWidth * t0 * (t0 + 1.0) / 2.0 + 2.0 * lmHeadParams;
        for (int i = 1; i < newTokens; i++) {
            f += perTokenDense() + layers * 4.0 * attnWidth * (t0 + i);
        }
        return f;
    }

    /** A sequence-classification forward of T tokens: the decoder layers; the label head is not counted. */
    public double classify(int t) {
        return t * 2.0 * denseParams + layers * 4.0 * attnWidth * t * (t + 1.0) / 2.0;
    }

    public double workload(Workload w, int newTokens) {
        double f = 0;
        for (int[] s : w.seqs()) {
            f += switch (w.kind()) {
                case SCORE -> score(s.length);
                case GENERATE -> generate(s.length, newTokens);
                case CLASSIFY -> classify(s.length);
            };
        }
        return f;
    }
}
