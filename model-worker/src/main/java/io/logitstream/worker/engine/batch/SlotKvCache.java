package io.logitstream.worker.engine.batch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.logitstream.worker.engine.ContextLengthExceededException;
import io.logitstream.worker.engine.tensor.Torch;
import java.util.Arrays;

/**
 * The KV cache of the running batch: one buffer per layer for keys and one for values, shaped
 * [slots, kvHeads, capacity, headDim], where each running sequence owns one slot and its own
 * length.
 *
 * <p>Why per-slot buffers and not a block table: attention over a run of consecutive slots is a
 * plain strided view of these buffers (slots and heads merge into one batch dimension without a
 * copy), so a decode step of many sequences is one batched matmul per layer with a length mask,
 * and writing a step's keys is one {@code index_put} per layer. A block table saves memory when
 * lengths differ a lot, but plain torch kernels would have to gather the blocks into a contiguous
 * tensor on every step, which costs about as much as the attention itself on CPU. The price of
 * slots: every slot reserves the capacity of the longest sequence, so the scheduler accounts
 * memory as slots x capacity ({@link #bytesFor}).
 *
 * <p>Both dimensions grow by doubling (slots up to {@code maxSlots}, capacity up to the context
 * length); growing copies the live region once. Lengths advance only through {@link #commit}, so
 * a failed step leaves every sequence as it was. Not thread-safe: the serving thread owns it.
 */
public final class SlotKvCache implements AutoCloseable {
    private final NDManager manager;
    private final int numLayers;
    private final int kvHeads;
    private final int headDim;
    private final DataType type;
    private final int maxSlots;
    private final int maxCapacity;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int slots;
    private int capacity;
    private int[] lengths;
    private boolean[] used;

    public SlotKvCache(NDManager parent, int numLayers, int kvHeads, int headDim, DataType type, int maxSlots,
            int maxCapacity) {
        this.manager = parent.newSubManager();
        this.numLayers = numLayers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.type = type;
        this.maxSlots = maxSlots;
        this.maxCapacity = maxCapacity;
        this.keys = new NDArray[numLayers];
        this.values = new NDArray[numLayers];
        this.lengths = new int[0];
        this.used = new boolean[0];
    }

    /** Bytes of keys and values for {@code slots} slots of {@code capacity} positions. */
    public long bytesFor(int slotCount, int capacityTokens) {
        return 2L * numLayers * kvHeads * headDim * type.getNumOfBytes() * slotCount * capacityTokens;
    }

    /** Bytes held now. */
    public long bytes() {
        return keys[0] == null ? 0 : bytesFor(slots, capacity);
    }

    public int capacity() {
        return capacity;
    }

    public int length(int slot) {
        return lengths[slot];
    }

    /** Slots in use. */
    public int usedSlots() {
        int n = 0;
        for (boolean u : used) {
            n += u ? 1 : 0;
        }
        return n;
    }

    /**
     * Reserves {@code count} consecutive free slots (beams of one request stay adjacent, so their
     * attention is one group and reordering them is one gather); returns the first.
     */
    public int allocate(int count) {
        int first = firstFreeRun(count);
        if (first < 0) {
            throw new IllegalStateException("no " + count + " adjacent free KV slots (of " + maxSlots + ")");
        }
        if (first + count > used.length) {
            growSlots(first + count);
        }
        return take(first, count);
    }

    /** Whether {@link #allocate} of {@code count} would succeed now. */
    public boolean canAllocate(int count) {
        return firstFreeRun(count) >= 0;
    }

    /** The first slot of a run of {@code count} free slots (growing into the tail if need be), or -1. */
    private int firstFreeRun(int count) {
        int run = 0;
        for (int s = 0; s < used.length; s++) {
            run = used[s] ? 0 : run + 1;
            if (run == count) {
                return s - count + 1;
            }
        }
        int start = used.length - run;
        return start + count > maxSlots ? -1 : start;
    }

    private int take(int first, int count) {
        for (int s = first; s < first + count; s++) {
            used[s] = true;
            lengths[s] = 0;
        }
        return first;
    }

    /** Frees a slot; its contents are garbage from now on. */
    public void release(int slot) {
        used[slot] = false;
        lengths[slot] = 0;
    }

    /** Drops a slot's positions from {@code length} on (e.g. to re-feed a preempted sequence). */
    public void truncate(int slot, int length) {
        lengths[slot] = Math.min(lengths[slot], length);
    }

    /** Makes room for a step whose longest sequence ends at {@code tokens}. */
    public void ensureCapacity(int tokens) {
        if (tokens > maxCapacity) {
            throw new ContextLengthExceededException(tokens, maxCapacity);
        }
        if (tokens <= capacity && keys[0] != null) {
            return;
        }
        int newCapacity = Math.max(capacity, 16);
        while (newCapacity < tokens) {
            newCapacity = Math.min(maxCapacity, newCapacity * 2);
        }
        resize(slots, newCapacity);
    }

    private void growSlots(int needed) {
        int newSlots = Math.max(slots, 4);
        while (newSlots < needed) {
            newSlots = Math.min(maxSlots, newSlots * 2);
        }
        lengths = Arrays.copyOf(lengths, newSlots);
        used = Arrays.copyOf(used, newSlots);
        if (keys[0] != null) {
            resize(newSlots, capacity);
        } else {
            slots = newSlots;
        }
    }

    private void resize(int newSlots, int newCapacity) {
        Shape shape = new Shape(newSlots, kvHeads, newCapacity, headDim);
        for (int layer = 0; layer < numLayers; layer++) {
            keys[layer] = moved(keys[layer], shape);
            values[layer] = moved(values[layer], shape);
        }
        slots = newSlots;
        capacity = newCapacity;
    }

    private NDArray moved(NDArray old, Shape shape) {
        NDArray fresh = manager.zeros(shape, type);
        if (old != null) {
            int live = Math.min(capacity, (int) shape.get(2));
            long[] from = {0, 0, 0, 0};
            long[] to = {slots, kvHeads, live, headDim};
            try (NDManager tmp = manager.newSubManager(); NDArray view = Torch.view(old, from, to, tmp)) {
                Torch.assign(fresh, view, from, to);
            }
            old.close();
        }
        return fresh;
    }

    /**
     * The rows of one step's keys/values in the flattened [slots * kvHeads * capacity, headDim]
     * buffer: for flat token n (of sequence in {@code slot}, at {@code position}) and head h,
     * {@code (slot * kvHeads + h) * capacity + position}. Computed once per step, used by every layer.
     */
    public NDArray writeIndex(StepLayout layout, NDManager scope) {
        long[] index = new long[layout.totalTokens() * kvHeads];
        int k = 0;
        for (StepLayout.Entry e : layout.entries()) {
            for (int t = 0; t < e.tokens().length; t++) {
                for (int h = 0; h < kvHeads; h++) {
                    index[k++] = ((long) e.slot() * kvHeads + h) * capacity + e.past() + t;
                }
            }
        }
        return scope.create(index);
    }

    /**
     * Writes one layer's new keys and values, given token-major [N * kvHeads, headDim] rows, at
     * the rows of {@link #writeIndex}.
     */
    public void write(int layer, NDArray keyRows, NDArray valueRows, NDArray writeIndex) {
        put(keys[layer], keyRows, writeIndex);
        put(values[layer], valueRows, writeIndex);
    }

    private void put(NDArray buffer, NDArray rows, NDArray index) {
        try (NDArray flat = buffer.reshape(-1, headDim)) {
            JniUtils.indexAdvPut(Torch.pt(flat), new NDIndex("{}", index), Torch.pt(rows));
        }
    }

    /** Views {keys, values} [count, kvHeads, positions, headDim] of consecutive slots, in {@code scope}. */
    public NDArray[] view(int layer, int firstSlot, int count, int positions, NDManager scope) {
        long[] from = {firstSlot, 0, 0, 0};
        long[] to = {firstSlot + count, kvHeads, positions, headDim};
        return new NDArray[] {Torch.view(keys[layer], from, to, scope), Torch.view(values[layer], from, to, scope)};
    }

    /** Advances the lengths of a step's sequences once every layer has written. */
    public void commit(StepLayout layout) {
        for (StepLayout.Entry e : layout.entries()) {
            lengths[e.slot()] = e.past() + e.tokens().length;
        }
    }

    /**
     * Beam reordering: slot {@code targets[i]} becomes a copy of slot {@code sources[i]}
     * (positions and length), all at once, so a permutation is safe.
     */
    public void copySlots(int[] targets, int[] sources) {
        if (targets.length == 0 || keys[0] == null) {
            copyLengths(targets, sources);
            return;
        }
        try (NDManager tmp = manager.newSubManager()) {
            NDArray from = tmp.create(Arrays.stream(sources).mapToLong(s -> s).toArray());
            NDArray to = tmp.create(Arrays.stream(targets).mapToLong(s -> s).toArray());
            for (int layer = 0; layer < numLayers; layer++) {
                for (NDArray buffer : new NDArray[] {keys[layer], values[layer]}) {
                    NDArray picked = Torch.rows(buffer, from);
                    JniUtils.indexAdvPut(Torch.pt(buffer), new NDIndex("{}", to), Torch.pt(picked));
                    picked.close();
                }
            }
        }
        copyLengths(targets, sources);
    }

    private void copyLengths(int[] targets, int[] sources) {
        int[] copied = new int[targets.length];
        for (int i = 0; i < targets.length; i++) {
            copied[i] = lengths[sources[i]];
        }
        for (int i = 0; i < targets.length; i++) {
            lengths[targets[i]] = copied[i];
        }
    }

    /** Sets a slot's length after its positions were filled from elsewhere (a prefix cache, a leader slot). */
    public void setLength(int slot, int length) {
        lengths[slot] = length;
    }

    /** Bytes of keys and values per token position (all layers). */
    public long bytesPerToken() {
        return bytesFor(1, 1);
    }

    /** A copy of positions [from, to) of a slot, owned by a new manager under {@code parent}. */
    KvSegment extract(int slot, int from, int to, NDManager parent) {
        NDManager own = parent.newSubManager();
        NDArray[] k = new NDArray[numLayers];
        NDArray[] v = new NDArray[numLayers];
        Shape shape = new Shape(1, kvHeads, to - from, headDim);
        long[] origin = {0, 0, 0, 0};
        long[] end = {1, kvHeads, to - from, headDim};
        try (NDManager tmp = manager.newSubManager()) {
            for (int layer = 0; layer < numLayers; layer++) {
                NDArray[] view = positions(layer, slot, from, to, tmp);
                k[layer] = own.create(shape, type);
                v[layer] = own.create(shape, type);
                Torch.assign(k[layer], view[0], origin, end);
                Torch.assign(v[layer], view[1], origin, end);
            }
        }
        return new KvSegment(own, k, v, to - from, bytesFor(1, to - from));
    }

    /** Writes the first {@code count} positions of {@code segment} at positions [at, at + count) of a slot. */
    void restore(int slot, int at, KvSegment segment, int count) {
        ensureCapacity(at + count);
        long[] from = {slot, 0, at, 0};
        long[] to = {slot + 1, kvHeads, at + count, headDim};
        try (NDManager tmp = manager.newSubManager()) {
            for (int layer = 0; layer < numLayers; layer++) {
                Torch.assign(keys[layer], head(segment.keys(layer), count, segment.length(), tmp), from, to);
                Torch.assign(values[layer], head(segment.values(layer), count, segment.length(), tmp), from, to);
            }
        }
    }

    private static NDArray head(NDArray segment, int count, int length, NDManager scope) {
        return count == length ? segment : Torch.narrow(segment, 2, 0, count, scope);
    }

    /** Slot {@code target}'s positions [0, length) become those of slot {@code source} (a shared context). */
    void copyPrefix(int target, int source, int length) {
        ensureCapacity(length);
        long[] to = {target + 1, kvHeads, length, headDim};
        try (NDManager tmp = manager.newSubManager()) {
            for (int layer = 0; layer < numLayers; layer++) {
                NDArray[] view = positions(layer, source, 0, length, tmp);
                Torch.assign(keys[layer], view[0], new long[] {target, 0, 0, 0}, to);
                Torch.assign(values[layer], view[1], new long[] {target, 0, 0, 0}, to);
            }
        }
        lengths[target] = length;
    }

    private NDArray[] positions(int layer, int slot, int from, int to, NDManager scope) {
        long[] lo = {slot, 0, from, 0};
        long[] hi = {slot + 1, kvHeads, to, headDim};
        return new NDArray[] {Torch.view(keys[layer], lo, hi, scope), Torch.view(values[layer], lo, hi, scope)};
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    @Override
    public void close() {
        manager.close();
    }
}
