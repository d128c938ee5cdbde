package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;
import io.logitstream.worker.engine.tensor.Torch;

/**
 * softmax(q k^T + mask) v for [B, heads, T, D] queries against [B, kvHeads, S, D] keys and values
 * (queries pre-scaled), as transformers' eager attention: the softmax in fp32 whatever the compute
 * type. Grouped-query attention folds the query heads of a group into the sequence axis
 * ([B, kvHeads, G*T, D]) instead of repeating keys/values G times, so K/V are never copied.
 */
public final class ScaledDotProduct {
    private ScaledDotProduct() {
    }

    /**
     * @param mask additive [1 or B, 1, T, S], or null
     * @return [B, heads, T, D]
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask) {
        long b = q.getShape().get(0);
        long heads = q.getShape().get(1);
        long t = q.getShape().get(2);
        long d = q.getShape().get(3);
        long kvHeads = k.getShape().get(1);
        long keys = k.getShape().get(2);
        long groups = heads / kvHeads;
        NDArray kT = k.transpose(0, 1, 3, 2);
        NDArray scores = groups == 1 ? q.matMul(kT)
                : q.reshape(b, kvHeads, groups * t, d).matMul(kT).reshape(b, heads, t, keys);
        if (mask != null) {
            Torch.addInPlace(scores, mask);
        }
        NDArray probs = Torch.softmax(scores, -1);
        if (probs.getDataType() != scores.getDataType()) {
            NDArray cast = probs.toType(scores.getDataType(), false);
            probs.close();
            probs = cast;
        }
        scores.close();
        NDArray attended = groups == 1 ? probs.matMul(v)
                : probs.reshape(b, kvHeads, groups * t, keys).matMul(v).reshape(b, heads, t, d);
        probs.close();
        return attended;
    }
}
