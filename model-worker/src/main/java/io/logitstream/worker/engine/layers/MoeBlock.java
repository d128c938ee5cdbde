package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * A sparse mixture-of-experts feed-forward block with top-k routing (Qwen2-MoE; also the shape
 * of Mixtral and Qwen3-MoE): a linear router scores the experts, softmax in fp32, the top k
 * experts of each token run their gated MLP and are summed with the (optionally renormalised)
 * top-k probabilities as weights; an optional shared expert, scaled by {@code sigmoid} of its
 * own one-output gate, runs on every token. The router logits [tokens, experts] of each forward
 * go to {@link LayerContext#addRouterLogits} (transformers' {@code output_router_logits}).
 *
 * <p>All weights that read the block's input are fused into one matrix at load:
 * {@code [router E | shared gate 1 | shared gate+up 2S | expert 0 gate+up 2I | ... ]}, and every
 * expert's down projection sits side by side in one {@code [H, E*I]} matrix; the per-expert
 * matrices are views into these (no copies). Two ways to run the experts, both tensor ops only
 * (no per-token Java loop):
 *
 * <ul>
 *   <li><b>dense</b>: every expert on every token: the input GEMM includes all experts' gate+up,
 *       the routing weights (zero for experts not chosen) scale the activations, and one GEMM
 *       with the side-by-side down matrix both projects and sums over experts. About 12 ops
 *       whatever the number of experts, but E/k times the expert FLOPs.
 *   <li><b>sparse</b>: the (token, slot) pairs are sorted by expert, their input rows gathered
 *       once, each expert that got tokens runs its two GEMMs on its contiguous slice, and the
 *       weighted results are un-permuted and summed over the k slots. Only the routed FLOPs, but
 *       about 8 ops per expert that got at least one token.
 * </ul>
 *
 * {@link Strategy#AUTO} picks per forward by estimated cost: dense when the wasted FLOPs cost
 * less than the extra per-expert op overhead (tiny experts, or few tokens on few experts),
 * sparse otherwise (any real-size MoE: Qwen1.5-MoE's 60 experts of 2048x1408 are sparse from
 * the first token).
 */
public final class MoeBlock implements FeedForward {
    /** How the routed experts are evaluated. */
    public enum Strategy { AUTO, DENSE, SPARSE }

    /**
     * Multiply-adds per microsecond of the expert GEMMs and the cost of one small op (JNI call,
     * allocation, kernel launch), in microseconds. Their ratio sets the dense/sparse crossover;
     * it was calibrated by timing both paths on the 2-core CPU machine (H 8..1024, E 4..60, 1..320
     * tokens): AUTO picked the faster path, or one within noise of it, in every case measured.
     */
    private static final double MACS_PER_US = 40_000;
    private static final double OP_US = 8;
    /** Ops that the sparse path spends per expert that received tokens. */
    private static final int SPARSE_OPS_PER_EXPERT = 8;

    private final int numExperts;
    private final int topK;
    private final boolean normTopK;
    private final long hidden;
    private final long expertWidth;
    private final long sharedWidth;
    private final boolean hasShared;
    /** Offset of expert 0's gate+up in the fused input projection. */
    private final long expertsOffset;
    private final Linear inputAll;
    private final Linear inputRouting;
    private final Linear[] expertGateUp;
    private final Linear downAll;
    private final Linear[] expertDown;
    private final Linear sharedDown;
    private final Activation activation;
    private final Scalars scalars;
    private Strategy strategy = Strategy.AUTO;

    /**
     * @param manager owns the fused weights (the given parts may be freed afterwards)
     * @param router [E, H], no bias
     * @param gate, up, down each expert's gated MLP ([I, H], [I, H], [H, I]), no biases
     * @param sharedGate [1, H] gate of the shared expert, or null (then no shared expert)
     * @param sharedGateProj, sharedUp, sharedDown the shared expert's gated MLP ([S, H], [S, H], [H, S]), or null
     * @param topK experts per token
     * @param normTopK renormalise the top-k probabilities to sum to 1 ({@code norm_topk_prob})
     */
    public MoeBlock(NDManager manager, Linear router, Linear[] gate, Linear[] up, Linear[] down,
            Linear sharedGate, Linear sharedGateProj, Linear sharedUp, Linear sharedDown,
            Activation activation, int topK, boolean normTopK, Scalars scalars) {
        this.numExperts = Math.toIntExact(router.outFeatures());
        if (gate.length != numExperts || up.length != numExperts || down.length != numExperts) {
            throw new IllegalArgumentException("router scores " + numExperts + " experts but "
                    + gate.length + " experts were given");
        }
        if (topK < 1 || topK > numExperts) {
            throw new IllegalArgumentException("num_experts_per_tok " + topK + " must be in [1, " + numExperts + "]");
        }
        this.topK = topK;
        this.normTopK = normTopK;
        this.hidden = router.inFeatures();
        this.expertWidth = gate[0].outFeatures();
        this.hasShared = sharedGate != null;
        this.sharedWidth = hasShared ? sharedGateProj.outFeatures() : 0;
        this.activation = activation;
        this.scalars = scalars;

        List<Linear> parts = new ArrayList<>();
        parts.add(router);
        if (hasShared) {
            parts.add(sharedGate);
            parts.add(sharedGateProj);
            parts.add(sharedUp);
        }
        for (int e = 0; e < numExperts; e++) {
            requireNoBias(gate[e], up[e], down[e]);
            parts.add(gate[e]);
            parts.add(up[e]);
        }
        requireNoBias(router);
        this.inputAll = Linear.concat(manager, parts.toArray(new Linear[0]));
        this.expertsOffset = numExperts + (hasShared ? 1 + 2 * sharedWidth : 0);
        this.inputRouting = inputAll.rows(0, expertsOffset, manager);
        this.expertGateUp = new Linear[numExperts];
        for (int e = 0; e < numExperts; e++) {
            long from = expertsOffset + 2 * e * expertWidth;
            expertGateUp[e] = inputAll.rows(from, from + 2 * expertWidth, manager);
        }
        this.downAll = Linear.concatColumns(manager, down);
        this.expertDown = new Linear[numExperts];
        for (int e = 0; e < numExperts; e++) {
            expertDown[e] = downAll.columns(e * expertWidth, (e + 1) * expertWidth, manager);
        }
        this.sharedDown = sharedDown;
    }

    private static void requireNoBias(Linear... ls) {
        for (Linear l : ls) {
            if (l.bias() != null) {
                throw new IllegalArgumentException("MoE router and expert projections with a bias are not supported");
            }
        }
    }

    /** Forces the dense or sparse evaluation (tests, benchmarks); AUTO chooses per forward. */
    public void setStrategy(Strategy s) {
        this.strategy = s;
    }

    public int numExperts() {
        return numExperts;
    }

    @Override
    public NDArray forward(NDArray x) {
        return forward(x, null);
    }

    @Override
    public NDArray forward(NDArray x, LayerContext ctx) {
        NDManager scope = x.getManager();
        Shape shape = x.getShape();
        long n = shape.size() / hidden;
        boolean dense = useDense(n);
        try (NDManager tmp = scope.newSubManager()) {
            NDArray x2 = x.reshape(n, hidden);
            x2.attach(tmp);
            NDArray fused = (dense ? inputAll : inputRouting).forward(x2);
            NDArray logits = Torch.narrow(fused, 1, 0, numExperts, tmp);
            if (ctx != null && ctx.collectsRouterLogits()) {
                NDArray reported = logits.toType(DataType.FLOAT32, true);
                reported.attach(scope);
                ctx.addRouterLogits(reported);
            }
            // transformers' Qwen2MoeTopKRouter: softmax in fp32, top-k, optional renormalisation
            NDArray probs = Torch.softmax(logits, -1);
            NDList top = probs.topK(topK, -1, true, true);
            NDArray weights = top.get(0);
            NDArray experts = top.get(1);
            if (normTopK) {
                Torch.divInPlace(weights, weights.sum(new int[] {-1}, true));
            }
            weights = Torch.cast(weights, x.getDataType());
            NDArray out = dense ? denseExperts(fused, experts, weights, n) : sparseExperts(x2, experts, weights, n);
            if (hasShared) {
                addSharedExpert(out, fused, tmp);
            }
            NDArray result = out.reshape(shape);
            result.attach(scope);
            return result;
        }
    }

    /** Dense: all experts on all tokens, weights zero for the experts not chosen. */
    private NDArray denseExperts(NDArray fused, NDArray experts, NDArray weights, long n) {
        NDManager tmp = fused.getManager();
        NDArray dense = tmp.zeros(new Shape(n, numExperts), weights.getDataType()).scatter(experts, weights, 1);
        NDArray gateUp = Torch.narrow(fused, 1, expertsOffset, expertsOffset + 2 * numExperts * expertWidth, tmp)
                .reshape(n, numExperts, 2 * expertWidth);
        NDArray g = Torch.narrow(gateUp, 2, 0, expertWidth, tmp);
        NDArray u = Torch.narrow(gateUp, 2, expertWidth, 2 * expertWidth, tmp);
        NDArray h = activation.apply(g, scalars);
        Torch.mulInPlace(h, u);
        Torch.mulInPlace(h, dense.reshape(n, numExperts, 1));
        // one GEMM projects every expert and sums them: [n, E*I] x [H, E*I]^T
        return downAll.forward(h.reshape(n, numExperts * expertWidth));
    }

    /** Sparse: each expert that was chosen runs on exactly its tokens. */
    private NDArray sparseExperts(NDArray x2, NDArray experts, NDArray weights, long n) {
        NDManager tmp = x2.getManager();
        long slots = n * topK;
        NDArray flat = experts.reshape(slots);
        NDArray order = flat.argSort(0, true);
        long[] counts = flat.oneHot(numExperts, DataType.INT64).sum(new int[] {0}).toLongArray();
        NDArray tokenOfSlot = tmp.arange(0, Math.toIntExact(n), 1, DataType.INT64).repeat(0, topK);
        NDArray sortedTokens = Torch.rows(tokenOfSlot, order);
        NDArray xs = Torch.rows(x2, sortedTokens);
        NDArray ys = Torch.empty(tmp, new Shape(slots, hidden), x2.getDataType());
        long off = 0;
        for (int e = 0; e < numExperts; e++) {
            long c = counts[e];
            if (c == 0) {
                continue;
            }
            try (NDManager step = tmp.newSubManager()) {
                NDArray xe = Torch.narrow(xs, 0, off, off + c, step);
                NDArray gu = expertGateUp[e].forward(xe);
                NDArray g = Torch.narrow(gu, 1, 0, expertWidth, step);
                NDArray u = Torch.narrow(gu, 1, expertWidth, 2 * expertWidth, step);
                NDArray h = activation.apply(g, scalars);
                Torch.mulInPlace(h, u);
                NDArray ye = expertDown[e].forward(h);
                Torch.assign(ys, ye, new long[] {off, 0}, new long[] {off + c, hidden});
            }
            off += c;
        }
        NDArray sortedWeights = Torch.rows(weights.reshape(slots), order);
        Torch.mulInPlace(ys, sortedWeights.reshape(slots, 1));
        NDArray unsorted = Torch.rows(ys, order.argSort(0, true));
        return unsorted.reshape(n, topK, hidden).sum(new int[] {1});
    }

    /** {@code out += sigmoid(shared_expert_gate(x)) * shared_expert(x)}. */
    private void addSharedExpert(NDArray out, NDArray fused, NDManager tmp) {
        NDArray gateLogit = Torch.narrow(fused, 1, numExperts, numExperts + 1L, tmp);
        long from = numExperts + 1L;
        NDArray g = Torch.narrow(fused, 1, from, from + sharedWidth, tmp);
        NDArray u = Torch.narrow(fused, 1, from + sharedWidth, from + 2 * sharedWidth, tmp);
        NDArray h = activation.apply(g, scalars);
        Torch.mulInPlace(h, u);
        NDArray shared = sharedDown.forward(h);
        Torch.mulInPlace(shared, Torch.sigmoid(gateLogit));
        Torch.addInPlace(out, shared);
    }

    /**
     * transformers' {@code load_balancing_loss_func} (Switch Transformer eq. 4-6) over the router
     * logits of all sparse layers: {@code E * sum_e f_e * P_e}, where f_e is the fraction of top-k
     * assignments that went to expert e and P_e its mean router probability, both over all
     * layers' tokens; with a padding mask, padded tokens count for neither.
     *
     * @param routerLogits [N, E] per sparse layer (N = B*T)
     * @param tokenMask [N] 1 for real tokens, or null when nothing is padded
     * @return the unscaled auxiliary loss
     */
    public static float loadBalancingLoss(List<NDArray> routerLogits, int numExperts, int topK, float[] tokenMask,
            NDManager scope) {
        try (NDManager tmp = scope.newSubManager()) {
            NDArray tokensPerExpert = tmp.zeros(new Shape(numExperts));
            NDArray probPerExpert = tmp.zeros(new Shape(numExperts));
            float realTokens = 0;
            if (tokenMask != null) {
                for (float v : tokenMask) {
                    realTokens += v;
                }
            }
            float rows = 0;
            for (NDArray layerLogits : routerLogits) {
                NDArray probs = Torch.softmax(layerLogits, -1);
                probs.attach(tmp);
                long n = probs.getShape().get(0);
                NDArray selected = probs.topK(topK, -1, true, true).get(1).reshape(n * topK);
                NDArray counts = selected.oneHot(numExperts, DataType.FLOAT32);
                if (tokenMask != null) {
                    NDArray m = tmp.create(tokenMask);
                    Torch.mulInPlace(counts, m.repeat(0, topK).reshape(n * topK, 1));
                    Torch.mulInPlace(probs, m.reshape(n, 1));
                    rows += realTokens;
                } else {
                    rows += n;
                }
                Torch.addInPlace(tokensPerExpert, counts.sum(new int[] {0}));
                Torch.addInPlace(probPerExpert, probs.sum(new int[] {0}));
            }
            NDArray total = tmp.create(rows);
            NDArray f = tokensPerExpert.div(total);
            NDArray p = probPerExpert.div(total);
            return f.mul(p).sum().getFloat() * numExperts;
        }
    }

    /**
     * Dense costs {@code n * (E - k)} wasted expert evaluations; sparse costs about
     * {@value #SPARSE_OPS_PER_EXPERT} small ops for each expert that gets tokens.
     */
    private boolean useDense(long n) {
        if (strategy != Strategy.AUTO) {
            return strategy == Strategy.DENSE;
        }
        double macsPerExpert = 3.0 * hidden * expertWidth;
        double wastedUs = n * (double) (numExperts - topK) * macsPerExpert / MACS_PER_US;
        double overheadUs = OP_US * SPARSE_OPS_PER_EXPERT * Math.min(numExperts, n * topK);
        return wastedUs < overheadUs;
    }
}
