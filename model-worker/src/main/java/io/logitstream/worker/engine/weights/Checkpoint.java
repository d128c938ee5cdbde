package io.logitstream.worker.engine.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The weights of a Hugging Face checkpoint folder: a single {@code model.safetensors}, or shards
 * listed in {@code model.safetensors.index.json}. Tensors are loaded one by one, by name, in the
 * engine's compute type: fp32 (CPU), or fp16 when opened for a GPU.
 *
 * <p>Conversions: F32 is zero-copy from the mapped file; F16 is wrapped as FLOAT16 (zero-copy)
 * and converted by torch; BF16 is widened in Java ({@code bits << 16}) because creating a BF16
 * NDArray crashes DJL's native bridge.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path dir;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;
    private final DataType computeType;
    private final WeightMode weightMode;
    private List<String> floatModules = List.of();
    /** Maps a name asked for to the name stored (identity, except for {@link #renamed} views). */
    private final java.util.function.UnaryOperator<String> rename;
    /** Whether {@link #close} closes the files (false for views, whose parent owns them). */
    private final boolean owner;

    private Checkpoint(Path dir, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor,
            DataType computeType, WeightMode weightMode) {
        this(dir, files, byTensor, computeType, weightMode, java.util.function.UnaryOperator.identity(), true);
    }

    private Checkpoint(Path dir, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor,
            DataType computeType, WeightMode weightMode, java.util.function.UnaryOperator<String> rename,
            boolean owner) {
        this.dir = dir;
        this.files = files;
        this.byTensor = byTensor;
        this.computeType = computeType;
        this.weightMode = weightMode;
        this.rename = rename;
        this.owner = owner;
    }

    /**
     * A view of these weights under other names: {@code load(name)} loads {@code storedName(name)}.
     * Lets a model built for one layout read a checkpoint that nests it (the language model inside
     * a vision-language checkpoint). The view does not own the files: closing it does nothing; it
     * shares the weight mode and the layers kept in float.
     */
    public Checkpoint renamed(java.util.function.UnaryOperator<String> storedName) {
        Checkpoint view = new Checkpoint(dir, files, byTensor, computeType, weightMode,
                name -> rename.apply(storedName.apply(name)), false);
        view.floatModules = floatModules;
        return view;
    }

    /** Opens the weights of a checkpoint folder (single file or sharded), to be loaded as fp32. */
    public static Checkpoint open(Path dir) {
        return open(dir, DataType.FLOAT32);
    }

    /**
     * Opens the weights of a checkpoint folder (single file or sharded).
     *
     * @param computeType what {@link #load} returns: FLOAT32 (CPU) or FLOAT16 (GPU)
     */
    public static Checkpoint open(Path dir, DataType computeType) {
        return open(dir, computeType, WeightMode.AS_STORED);
    }

    /**
     * Opens the weights of a checkpoint folder (single file or sharded).
     *
     * @param computeType what {@link #load} returns: FLOAT32 (CPU) or FLOAT16 (GPU)
     * @param weightMode how the model's linear layers are to hold their weights (read by the layers)
     */
    public static Checkpoint open(Path dir, DataType computeType, WeightMode weightMode) {
        if (computeType != DataType.FLOAT32 && computeType != DataType.FLOAT16) {
            throw new IllegalArgumentException("compute type must be FLOAT32 or FLOAT16, not " + computeType);
        }
        Path index = dir.resolve(INDEX_FILE);
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(index)) {
            return openSharded(dir, index, computeType, weightMode);
        }
        if (Files.isRegularFile(single)) {
            SafetensorsFile f = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
            f.tensors().keySet().forEach(n -> byTensor.put(n, f));
            return new Checkpoint(dir, List.of(f), byTensor, computeType, weightMode);
        }
        throw new CheckpointException("no weights in " + dir + ": expected " + SINGLE_FILE + " or " + INDEX_FILE);
    }

    private static Checkpoint openSharded(Path dir, Path index, DataType computeType, WeightMode weightMode) {
        JsonNode weightMap;
        try {
            weightMap = new ObjectMapper().readTree(index.toFile()).get("weight_map");
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + index + ": " + e.getMessage(), e);
        }
        if (weightMap == null || !weightMap.isObject()) {
            throw new CheckpointException(index + " has no weight_map object");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String shardName = e.getValue().asText();
                SafetensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    Path shardPath = dir.resolve(shardName);
                    if (!Files.isRegularFile(shardPath)) {
                        throw new CheckpointException(index + " lists tensor '" + e.getKey() + "' in "
                                + shardName + ", which does not exist in " + dir);
                    }
                    shard = SafetensorsFile.open(shardPath);
                    opened.add(shard);
                    shards.put(shardName, shard);
                }
                if (!shard.tensors().containsKey(e.getKey())) {
                    throw new CheckpointException(index + " lists tensor '" + e.getKey() + "' in " + shardName
                            + ", but that file has no such tensor");
                }
                byTensor.put(e.getKey(), shard);
            }
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
        return new Checkpoint(dir, Collections.unmodifiableList(opened), byTensor, computeType, weightMode);
    }

    public Path dir() {
        return dir;
    }

    /** The type {@link #load} returns (the model's compute type). */
    public DataType computeType() {
        return computeType;
    }

    /** How linear layers hold their weights ({@link io.logitstream.worker.engine.layers.Linear#load}). */
    public WeightMode weightMode() {
        return weightMode;
    }

    /**
     * Names of linear layers kept in float even in mode INT8, matched by substring as transformers
     * matches {@code llm_int8_skip_modules}. Returns this checkpoint.
     */
    public Checkpoint keepFloat(List<String> moduleNames) {
        this.floatModules = List.copyOf(moduleNames);
        return this;
    }

    /** Whether the float linear layer {@code name} is to be quantized at load (mode INT8 and not kept float). */
    public boolean quantizes(String name) {
        if (weightMode != WeightMode.INT8) {
            return false;
        }
        // views resolve tensor names (they may look for which candidate is stored), so rename the weight's
        String stored = rename.apply(name + ".weight");
        for (String keep : floatModules) {
            if (stored.contains(keep)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the linear layer {@code name} is stored the way bitsandbytes saves an 8-bit
     * {@code Linear8bitLt}: {@code <name>.weight} int8 [out, in] and {@code <name>.SCB} fp32 [out],
     * the absmax of each row (a {@code <name>.weight_format} scalar may sit beside them; 0 means
     * row-major, the only format bitsandbytes still writes).
     */
    public boolean storesInt8(String name) {
        String weight = name + ".weight";
        return has(weight) && info(weight).dtype() == TensorDType.I8 && has(name + ".SCB");
    }

    /** An int8 tensor as stored (INT8, shape checked), e.g. a bitsandbytes weight; see {@link #storesInt8}. */
    public NDArray loadInt8(String name, NDManager manager, long... expectedShape) {
        TensorInfo info = info(name);
        SafetensorsFile file = byTensor.get(rename.apply(name));
        if (info.dtype() != TensorDType.I8 || !Arrays.equals(info.shape(), expectedShape)) {
            throw new CheckpointException("tensor '" + rename.apply(name) + "' in " + file.path() + " is "
                    + info.dtype() + Arrays.toString(info.shape()) + ", expected I8" + Arrays.toString(expectedShape));
        }
        try (NDArray mapped = manager.create(file.map(info), new Shape(info.shape()), DataType.INT8)) {
            // a copy: the wrapped array may alias the read-only mapping, and its pages should not stay resident
            NDArray copy = mapped.duplicate();
            copy.attach(manager);
            return copy;
        }
    }

    /** The weight files in a stable order (for fingerprinting). */
    public List<Path> files() {
        List<Path> paths = new ArrayList<>();
        files.forEach(f -> paths.add(f.path()));
        paths.sort(null);
        return paths;
    }

    public Set<String> tensorNames() {
        return Collections.unmodifiableSet(new TreeSet<>(byTensor.keySet()));
    }

    public boolean has(String name) {
        return byTensor.containsKey(rename.apply(name));
    }

    public TensorInfo info(String asked) {
        String name = rename.apply(asked);
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw missing(name);
        }
        return f.info(name);
    }

    /** Loads a tensor in the compute type (fp32 unless opened for fp16), whatever its storage type. */
    public NDArray load(String asked, NDManager manager) {
        String name = rename.apply(asked);
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw missing(name);
        }
        TensorInfo info = f.info(name);
        MappedByteBuffer data = f.map(info);
        Shape shape = new Shape(info.shape());
        switch (info.dtype()) {
            case F32:
                return toCompute(manager.create(data, shape, DataType.FLOAT32));
            case F16:
                try (NDArray half = manager.create(data, shape, DataType.FLOAT16)) {
                    // always a copy: the wrapped array may alias the read-only mapping
                    return half.toType(computeType, true);
                }
            case BF16:
                return toCompute(manager.create(bf16ToF32(data, info.elementCount()), shape, DataType.FLOAT32));
            default:
                throw new CheckpointException("tensor '" + name + "' in " + f.path() + " has dtype "
                        + info.dtype() + "; weights must be F32, F16 or BF16 (int8 only as a bitsandbytes"
                        + " 8-bit linear weight with its SCB)");
        }
    }

    private NDArray toCompute(NDArray f32) {
        if (computeType == DataType.FLOAT32) {
            return f32;
        }
        try (f32) {
            return f32.toType(computeType, true);
        }
    }

    /** Loads a tensor and checks its shape, so that a wrong checkpoint fails at load, not mid-forward. */
    public NDArray load(String name, NDManager manager, long... expectedShape) {
        TensorInfo info = info(name);
        if (!Arrays.equals(info.shape(), expectedShape)) {
            throw new CheckpointException("tensor '" + rename.apply(name) + "' in " + byTensor.get(rename.apply(name)).path()
                    + " has shape " + Arrays.toString(info.shape()) + ", expected "
                    + Arrays.toString(expectedShape));
        }
        return load(name, manager);
    }

    /**
     * BF16 is the upper half of an IEEE fp32, so widening is a 16-bit shift. The result is a
     * direct buffer in native byte order, which torch reads without a further copy.
     */
    static ByteBuffer bf16ToF32(ByteBuffer bf16, long count) {
        int n = Math.toIntExact(count);
        ShortBuffer src = bf16.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        ByteBuffer out = ByteBuffer.allocateDirect(Math.multiplyExact(n, 4)).order(ByteOrder.nativeOrder());
        IntBuffer dst = out.asIntBuffer();
        for (int i = 0; i < n; i++) {
            dst.put(i, (src.get(i) & 0xFFFF) << 16);
        }
        return out;
    }

    private CheckpointException missing(String name) {
        String where = files.size() == 1 ? files.get(0).path().toString() : dir.resolve(INDEX_FILE) + " (sharded)";
        return new CheckpointException("tensor '" + name + "' not found in " + where);
    }

    @Override
    public void close() {
        if (owner) {
            files.forEach(SafetensorsFile::close);
        }
    }
}
