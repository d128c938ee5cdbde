package io.logitstream.worker.engine.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes small safetensors files for tests (header padded to 8 bytes like the reference writer). */
final class SafetensorsWriter {
    private record Entry(String name, String dtype, long[] shape, byte[] data) {
    }

    private final List<Entry> entries = new ArrayList<>();

    SafetensorsWriter add(String name, String dtype, long[] shape, byte[] data) {
        entries.add(new Entry(name, dtype, shape, data));
        return this;
    }

    SafetensorsWriter addF32(String name, long[] shape, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return add(name, "F32", shape, b.array());
    }

    byte[] bytes() {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long off = 0;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Entry e : entries) {
            StringBuilder shape = new StringBuilder();
            for (int i = 0; i < e.shape.length; i++) {
                shape.append(i == 0 ? "" : ",").append(e.shape[i]);
            }
            h.append(",\"").append(e.name).append("\":{\"dtype\":\"").append(e.dtype).append("\",\"shape\":[")
                    .append(shape).append("],\"data_offsets\":[").append(off).append(',')
                    .append(off + e.data.length).append("]}");
            off += e.data.length;
            data.writeBytes(e.data);
        }
        h.append('}');
        while ((h.length() + 8) % 8 != 0) {
            h.append(' ');
        }
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + header.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header).put(data.toByteArray());
        return out.array();
    }

    Path write(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }
}
