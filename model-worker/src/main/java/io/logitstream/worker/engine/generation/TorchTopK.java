package io.logitstream.worker.engine.generation;

/**
 * {@code torch.topk(values, k)} (largest, sorted) on float32, with the CPU kernel's exact order, ties
 * included. Beam search selects candidates with three topk calls, and exact float32 ties are common
 * once logits come from fp16/bf16 weights; torch's order among ties is not by index but whatever its
 * kernel leaves (ATen {@code topk_impl_loop}: {@code std::partial_sort} when {@code k * 64 <= n},
 * otherwise {@code std::nth_element} then {@code std::sort} of the first k - 1), so the libstdc++
 * algorithms are reproduced here step by step. NaN counts as the largest value, as in torch.
 *
 * <p>The partial-sort path streams the values (no n-sized copy), so a topk over num_beams x vocab
 * costs one pass and a k-sized heap.
 */
final class TorchTopK {

    /** Values by index; lets callers present num_beams x vocab sums without materialising them. */
    @FunctionalInterface
    interface Values {
        float at(int index);
    }

    private static final int SORT_THRESHOLD = 16; // libstdc++ _S_threshold

    private final float[] val;
    private final int[] idx;

    private TorchTopK(int size) {
        val = new float[size];
        idx = new int[size];
    }

    /** The indices of the k largest of {@code values[0..n)}, in torch.topk's order. */
    static int[] topk(Values values, int n, int k) {
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("topk: k = " + k + " is out of range for " + n + " values");
        }
        if (k == 0) {
            return new int[0];
        }
        return (long) k * 64 <= n ? partialSort(values, n, k) : nthElementThenSort(values, n, k);
    }

    static int[] topk(float[] values, int k) {
        return topk(i -> values[i], values.length, k);
    }

    /** torch's comparator: x goes before y. */
    private static boolean before(float x, float y) {
        return (Float.isNaN(x) && !Float.isNaN(y)) || x > y;
    }

    private boolean before(int a, int b) {
        return before(val[a], val[b]);
    }

    private void swap(int a, int b) {
        float v = val[a];
        val[a] = val[b];
        val[b] = v;
        int i = idx[a];
        idx[a] = idx[b];
        idx[b] = i;
    }

    private void move(int from, int to) {
        val[to] = val[from];
        idx[to] = idx[from];
    }

    private int[] indices(int k) {
        int[] out = new int[k];
        System.arraycopy(idx, 0, out, 0, k);
        return out;
    }

    // ---- std::partial_sort(first, first + k, last): __heap_select, then __sort_heap ----

    private static int[] partialSort(Values values, int n, int k) {
        TorchTopK q = new TorchTopK(k);
        for (int i = 0; i < k; i++) {
            q.val[i] = values.at(i);
            q.idx[i] = i;
        }
        q.makeHeap(0, k);
        for (int i = k; i < n; i++) {
            float v = values.at(i);
            // __pop_heap(first, middle, i): element i takes the heap's place; what it displaces is
            // written back at i, which the forward scan never reads again, so it is dropped.
            if (before(v, q.val[0])) {
                q.adjustHeap(0, 0, k, v, i);
            }
        }
        q.sortHeap(0, k);
        return q.indices(k);
    }

    private void makeHeap(int first, int last) {
        int len = last - first;
        if (len < 2) {
            return;
        }
        for (int parent = (len - 2) / 2; ; parent--) {
            adjustHeap(first, parent, len, val[first + parent], idx[first + parent]);
            if (parent == 0) {
                return;
            }
        }
    }

    /** __adjust_heap: sift the hole down to a leaf, then push (value, index) up from there. */
    private void adjustHeap(int first, int hole, int len, float value, int index) {
        int top = hole;
        int child = hole;
        while (child < (len - 1) / 2) {
            child = 2 * (child + 1);
            if (before(first + child, first + child - 1)) {
                child--;
            }
            move(first + child, first + hole);
            hole = child;
        }
        if ((len & 1) == 0 && child == (len - 2) / 2) {
            child = 2 * (child + 1);
            move(first + child - 1, first + hole);
            hole = child - 1;
        }
        int parent = (hole - 1) / 2;
        while (hole > top && before(val[first + parent], value)) {
            move(first + parent, first + hole);
            hole = parent;
            parent = (hole - 1) / 2;
        }
        val[first + hole] = value;
        idx[first + hole] = index;
    }

    /** __pop_heap(first, last, result): the heap's top goes to result, result's element is sifted in. */
    private void popHeap(int first, int last, int result) {
        float v = val[result];
        int i = idx[result];
        move(first, result);
        adjustHeap(first, 0, last - first, v, i);
    }

    private void sortHeap(int first, int last) {
        while (last - first > 1) {
            last--;
            popHeap(first, last, last);
        }
    }

    private void heapSelect(int first, int middle, int last) {
        makeHeap(first, middle);
        for (int i = middle; i < last; i++) {
            if (before(i, first)) {
                popHeap(first, middle, i);
            }
        }
    }

    // ---- std::nth_element(first, first + k - 1, last), then std::sort(first, first + k - 1) ----

    private static int[] nthElementThenSort(Values values, int n, int k) {
        TorchTopK q = new TorchTopK(n);
        for (int i = 0; i < n; i++) {
            q.val[i] = values.at(i);
            q.idx[i] = i;
        }
        q.introselect(0, k - 1, n, 2 * log2(n));
        q.sort(0, k - 1);
        return q.indices(k);
    }

    private static int log2(int n) {
        return 31 - Integer.numberOfLeadingZeros(n);
    }

    private void introselect(int first, int nth, int last, int depthLimit) {
        if (first == last || nth == last) {
            return;
        }
        while (last - first > 3) {
            if (depthLimit == 0) {
                heapSelect(first, nth + 1, last);
                swap(first, nth);
                return;
            }
            depthLimit--;
            int cut = partitionAroundMedian(first, last);
            if (cut <= nth) {
                first = cut;
            } else {
                last = cut;
            }
        }
        insertionSort(first, last);
    }

    /** __unguarded_partition_pivot: median of (first + 1, mid, last - 1) moved to first, then partition. */
    private int partitionAroundMedian(int first, int last) {
        int mid = first + (last - first) / 2;
        moveMedianToFirst(first, first + 1, mid, last - 1);
        int lo = first + 1;
        int hi = last;
        while (true) {
            while (before(lo, first)) {
                lo++;
            }
            hi--;
            while (before(first, hi)) {
                hi--;
            }
            if (lo >= hi) {
                return lo;
            }
            swap(lo, hi);
            lo++;
        }
    }

    private void moveMedianToFirst(int result, int a, int b, int c) {
        if (before(a, b)) {
            if (before(b, c)) {
                swap(result, b);
            } else if (before(a, c)) {
                swap(result, c);
            } else {
                swap(result, a);
            }
        } else if (before(a, c)) {
            swap(result, a);
        } else if (before(b, c)) {
            swap(result, c);
        } else {
            swap(result, b);
        }
    }

    private void sort(int first, int last) {
        if (first == last) {
            return;
        }
        introsortLoop(first, last, 2 * log2(last - first));
        if (last - first > SORT_THRESHOLD) {
            insertionSort(first, first + SORT_THRESHOLD);
            for (int i = first + SORT_THRESHOLD; i < last; i++) {
                linearInsert(i);
            }
        } else {
            insertionSort(first, last);
        }
    }

    private void introsortLoop(int first, int last, int depthLimit) {
        while (last - first > SORT_THRESHOLD) {
            if (depthLimit == 0) {
                heapSelect(first, last, last);
                sortHeap(first, last);
                return;
            }
            depthLimit--;
            int cut = partitionAroundMedian(first, last);
            introsortLoop(cut, last, depthLimit);
            last = cut;
        }
    }

    private void insertionSort(int first, int last) {
        if (first == last) {
            return;
        }
        for (int i = first + 1; i < last; i++) {
            if (before(i, first)) {
                float v = val[i];
                int x = idx[i];
                System.arraycopy(val, first, val, first + 1, i - first);
                System.arraycopy(idx, first, idx, first + 1, i - first);
                val[first] = v;
                idx[first] = x;
            } else {
                linearInsert(i);
            }
        }
    }

    /** __unguarded_linear_insert: moves element i left past everything it goes before. */
    private void linearInsert(int i) {
        float v = val[i];
        int x = idx[i];
        int next = i - 1;
        while (before(v, val[next])) {
            move(next, i);
            i = next;
            next--;
        }
        val[i] = v;
        idx[i] = x;
    }
}
