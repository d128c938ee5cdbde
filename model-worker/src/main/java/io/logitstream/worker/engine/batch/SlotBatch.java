package io.logitstream.worker.engine.batch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.logitstream.worker.engine.layers.ScaledDotProduct;
import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;
import java.util.ArrayList;
import java.util.List;

/**
 * One continuous-batching step as the attention layers see it: the layout, the slot cache, the
 * cache rows to write, and per group of consecutive slots its additive mask, all built once per
 * forward and shared by every layer.
 *
 * <p>Attention per group: queries [slots, heads, T, D] against the group's slot views
 * [slots, kvHeads, L, D], where L is the group's longest sequence after the step. Row i, query j
 * (position past_i + j) sees keys 0..past_i + j (and, in sliding-window layers, only the last
 * {@code window} of them); everything else, including the unused tail of shorter slots, is masked
 * with the most negative value, whose softmax weight is exactly 0. So every sequence gets the
 * same result as if it ran alone.
 */
public final class SlotBatch {
    private final StepLayout layout;
    private final SlotKvCache cache;
    private final NDArray writeIndex;
    private final List<NDArray> fullMasks = new ArrayList<>();
    private final List<NDArray> slidingMasks = new ArrayList<>();
    private final int[] groupLengths;

    public SlotBatch(StepLayout layout, SlotKvCache cache, NDManager scope, Scalars scalars, DataType type,
            boolean anyFull, Integer slidingWindow) {
        this.layout = layout;
        this.cache = cache;
        this.writeIndex = cache.writeIndex(layout, scope);
        List<StepLayout.Group> groups = layout.groups();
        this.groupLengths = new int[groups.size()];
        for (int g = 0; g < groups.size(); g++) {
            StepLayout.Group group = groups.get(g);
            int longest = 0;
            for (int past : group.pasts()) {
                longest = Math.max(longest, past + group.tokens());
            }
            groupLengths[g] = longest;
            fullMasks.add(anyFull ? mask(group, longest, null, scope, scalars, type) : null);
            slidingMasks.add(slidingWindow != null ? mask(group, longest, slidingWindow, scope, scalars, type) : null);
        }
    }

    private static NDArray mask(StepLayout.Group group, int keys, Integer window, NDManager scope, Scalars c,
            DataType type) {
        long[] queryPositions = new long[group.slots() * group.tokens()];
        for (int i = 0; i < group.slots(); i++) {
            for (int j = 0; j < group.tokens(); j++) {
                queryPositions[i * group.tokens() + j] = group.pasts()[i] + j;
            }
        }
        try (NDManager tmp = scope.newSubManager()) {
            NDArray q = tmp.create(queryPositions, new Shape(group.slots(), 1, group.tokens(), 1));
            NDArray k = tmp.arange(0, keys, 1, DataType.INT64).reshape(1, 1, 1, keys);
            NDArray allowed = k.lte(q);
            if (window != null) {
                allowed = allowed.logicalAnd(k.gt(q.sub(window)));
            }
            NDArray mask = Torch.cast(Torch.where(allowed, c.of(0f), c.maskValue(type)), type);
            mask.attach(scope);
            return mask;
        }
    }

    public StepLayout layout() {
        return layout;
    }

    /**
     * Writes this layer's keys/values and attends.
     *
     * @param q queries [1, heads, N, D] (rotated, scaled)
     * @param k keys [1, kvHeads, N, D] (rotated)
     * @param v values [1, kvHeads, N, D]
     * @return attended values, token-major [1, N, heads * D]
     */
    public NDArray attend(int layer, NDArray q, NDArray k, NDArray v, boolean sliding) {
        NDManager scope = q.getManager();
        int heads = (int) q.getShape().get(1);
        int kvHeads = cache.kvHeads();
        int d = cache.headDim();
        int n = layout.totalTokens();
        try (NDArray keyRows = k.transpose(0, 2, 1, 3).reshape(n * (long) kvHeads, d);
                NDArray valueRows = v.transpose(0, 2, 1, 3).reshape(n * (long) kvHeads, d)) {
            cache.write(layer, keyRows, valueRows, writeIndex);
        }
        List<StepLayout.Group> groups = layout.groups();
        NDList parts = new NDList(groups.size());
        for (int g = 0; g < groups.size(); g++) {
            StepLayout.Group group = groups.get(g);
            NDArray mask = sliding ? slidingMasks.get(g) : fullMasks.get(g);
            parts.add(attendGroup(layer, group, groupLengths[g], q, mask, heads, d, scope));
        }
        NDArray merged = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
        return merged.reshape(1, n, (long) heads * d);
    }

    private NDArray attendGroup(int layer, StepLayout.Group group, int keys, NDArray q, NDArray mask, int heads,
            int d, NDManager scope) {
        int r = group.slots();
        int t = group.tokens();
        NDArray groupQ = Torch.narrow(q, 2, group.offset(), group.offset() + (long) r * t, scope)
                .reshape(heads, r, t, d).transpose(1, 0, 2, 3);
        NDArray[] kv = cache.view(layer, group.firstSlot(), r, keys, scope);
        NDArray attended = ScaledDotProduct.attend(groupQ, kv[0], kv[1], mask);
        // [r, heads, t, d] -> token-major [r * t, heads * d]
        return attended.transpose(0, 2, 1, 3).reshape((long) r * t, (long) heads * d);
    }
}
