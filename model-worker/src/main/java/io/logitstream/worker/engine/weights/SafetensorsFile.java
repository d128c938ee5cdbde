package io.logitstream.worker.engine.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data.
 *
 * <p>The data is never read into the Java heap: {@link #map(TensorInfo)} memory-maps exactly one
 * tensor's bytes, so a multi-gigabyte shard costs page-cache only and a tensor can be handed to
 * native code without a copy. Mapping per tensor (not per file) also keeps each mapping under the
 * 2 GiB limit of {@link FileChannel#map}.
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The format caps the header at 100 MB; anything bigger is a corrupt or foreign file. */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart,
            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates the header; fails with a precise message on any inconsistency. */
    public static SafetensorsFile open(Path path) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CheckpointException("cannot open weights file " + path + ": " + e.getMessage(), e);
        }
        try {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw new CheckpointException("truncated safetensors file " + path + ": " + fileSize
                        + " bytes, too short for the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES) {
                throw new CheckpointException("not a safetensors file " + path + ": header length "
                        + headerLen + " is out of range");
            }
            if (8 + headerLen > fileSize) {
                throw new CheckpointException("truncated safetensors file " + path + ": header says "
                        + headerLen + " header bytes, file has " + (fileSize - 8) + " after the length");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(channel, headerBuf, 8);
            String headerJson = new String(headerBuf.array(), StandardCharsets.UTF_8);
            long dataStart = 8 + headerLen;
            long dataLen = fileSize - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(headerJson, path, metadata);
            long maxEnd = 0;
            for (TensorInfo t : tensors.values()) {
                maxEnd = Math.max(maxEnd, t.end());
            }
            if (maxEnd > dataLen) {
                throw new CheckpointException("truncated safetensors file " + path + ": header says "
                        + maxEnd + " data bytes, file has " + dataLen);
            }
            return new SafetensorsFile(path, channel, dataStart, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            closeQuietly(channel);
            throw new CheckpointException("cannot read weights file " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static Map<String, TensorInfo> parseHeader(String json, Path path, Map<String, String> metadata) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new CheckpointException("malformed safetensors header in " + path + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException("malformed safetensors header in " + path + ": not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode node = e.getValue();
            if ("__metadata__".equals(name)) {
                node.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            JsonNode dtype = node.get("dtype");
            JsonNode shape = node.get("shape");
            JsonNode offsets = node.get("data_offsets");
            if (dtype == null || shape == null || !shape.isArray() || offsets == null
                    || !offsets.isArray() || offsets.size() != 2) {
                throw new CheckpointException("malformed safetensors header in " + path + ": entry '" + name
                        + "' needs dtype, shape and data_offsets [begin, end]");
            }
            TensorDType type = TensorDType.parse(dtype.asText(), name, path.toString());
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape.get(i).asLong();
            }
            TensorInfo info = new TensorInfo(name, type, dims, offsets.get(0).asLong(), offsets.get(1).asLong());
            long expected = info.elementCount() * type.bytes();
            if (info.begin() < 0 || info.byteLength() != expected) {
                throw new CheckpointException("malformed safetensors header in " + path + ": tensor '" + name
                        + "' " + type + java.util.Arrays.toString(dims) + " needs " + expected
                        + " bytes but data_offsets span " + info.byteLength());
            }
            tensors.put(name, info);
        }
        return tensors;
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Offset of the data section: 8 + header length. */
    public long dataStart() {
        return dataStart;
    }

    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new CheckpointException("tensor '" + name + "' not found in " + path);
        }
        return info;
    }

    /**
     * Maps one tensor's bytes read-only. The buffer is direct, so DJL passes its address to
     * {@code torch::from_blob} without copying; its Java byte order is irrelevant there (native
     * code reads the raw little-endian bytes), and it is set to little-endian for Java readers.
     */
    public MappedByteBuffer map(TensorInfo info) {
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new CheckpointException("tensor '" + info.name() + "' in " + path + " is "
                    + info.byteLength() + " bytes; tensors over 2 GiB are not supported yet");
        }
        try {
            MappedByteBuffer buf = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(),
                    info.byteLength());
            buf.order(ByteOrder.LITTLE_ENDIAN);
            return buf;
        } catch (IOException e) {
            throw new CheckpointException("cannot map tensor '" + info.name() + "' of " + path + ": "
                    + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do: the open already failed
        }
    }

    /** Mappings made by {@link #map} stay valid after close; only the descriptor is released. */
    @Override
    public void close() {
        closeQuietly(channel);
    }
}
