package io.logitstream.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.logitstream.worker.engine.tensor.Torch;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The bytes a loaded model keeps resident in tensors, by element type: every array its manager
 * (and the managers below it) holds, each storage counted once. Views ({@link Torch#view},
 * {@link Torch#markView}: MoE expert slices, GPT-2's transposed Conv1D weights) share their
 * parent's memory and are skipped; a tied LM head is the embedding array itself. Besides the
 * weights this includes the small constant tables the layers precompute (rotary cos/sin).
 *
 * @param bytesByType bytes per element type name (e.g. {@code float32}, {@code int8}), sorted by name
 */
public record WeightMemory(Map<String, Long> bytesByType) {

    /** Sums the resident tensors of {@code model}'s manager; call it while no forward runs. */
    public static WeightMemory of(CausalLanguageModel model) {
        return of(model.manager());
    }

    public static WeightMemory of(NDManager manager) {
        Map<String, Long> bytes = new TreeMap<>();
        Set<NDArray> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (NDArray a : manager.getManagedArrays()) {
            if (a.isReleased() || Torch.isView(a) || !seen.add(a)) {
                continue;
            }
            DataType type = a.getDataType();
            bytes.merge(type.toString().toLowerCase(java.util.Locale.ROOT), a.size() * type.getNumOfBytes(), Long::sum);
        }
        return new WeightMemory(Collections.unmodifiableMap(bytes));
    }

    public long totalBytes() {
        return bytesByType.values().stream().mapToLong(Long::longValue).sum();
    }

    public long bytes(DataType type) {
        return bytesByType.getOrDefault(type.toString().toLowerCase(java.util.Locale.ROOT), 0L);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        bytesByType.forEach((t, b) -> sb.append(sb.length() == 0 ? "" : ", ").append(t).append(' ').append(b));
        return sb.append(" (total ").append(totalBytes()).append(" bytes)").toString();
    }
}
