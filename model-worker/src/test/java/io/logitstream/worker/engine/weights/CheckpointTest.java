package io.logitstream.worker.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    private static NDManager manager;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void f32IsLoadedWithExactValuesAndShape() throws Exception {
        new SafetensorsWriter().addF32("w", new long[] {2, 2}, 1.5f, -2f, 3.25f, Float.MIN_VALUE)
                .write(tmp.resolve("model.safetensors"));
        try (Checkpoint c = Checkpoint.open(tmp)) {
            NDArray w = c.load("w", manager, 2, 2);
            assertThat(w.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(w.toFloatArray()).containsExactly(1.5f, -2f, 3.25f, Float.MIN_VALUE);
            assertThat(c.files()).containsExactly(tmp.resolve("model.safetensors"));
        }
    }

    @Test
    void bf16IsWidenedExactly() throws Exception {
        float[] values = {1f, -2.5f, 3.140625f, 0f, -0f, Float.POSITIVE_INFINITY, 1e-40f, 65280f};
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
        }
        new SafetensorsWriter().add("w", "BF16", new long[] {values.length}, b.array()).write(tmp.resolve("model.safetensors"));
        try (Checkpoint c = Checkpoint.open(tmp)) {
            float[] got = c.load("w", manager).toFloatArray();
            for (int i = 0; i < values.length; i++) {
                float expected = Float.intBitsToFloat(Float.floatToRawIntBits(values[i]) & 0xFFFF0000);
                assertThat(Float.floatToRawIntBits(got[i])).as("element %d", i)
                        .isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
    }

    @Test
    void f16IsConvertedExactly() throws Exception {
        // half bits: 1.0, -2.0, 65504 (max), 2^-24 (min subnormal), 0.333251953125
        short[] half = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x3555};
        float[] expected = {1f, -2f, 65504f, (float) Math.pow(2, -24), 0.333251953125f};
        ByteBuffer b = ByteBuffer.allocate(half.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short h : half) {
            b.putShort(h);
        }
        new SafetensorsWriter().add("w", "F16", new long[] {half.length}, b.array()).write(tmp.resolve("model.safetensors"));
        try (Checkpoint c = Checkpoint.open(tmp)) {
            NDArray w = c.load("w", manager);
            assertThat(w.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(w.toFloatArray()).containsExactly(expected);
        }
    }

    @Test
    void missingTensorAndWrongShapeAreExplained() throws Exception {
        new SafetensorsWriter().addF32("w", new long[] {2, 3}, 1, 2, 3, 4, 5, 6).write(tmp.resolve("model.safetensors"));
        try (Checkpoint c = Checkpoint.open(tmp)) {
            assertThatThrownBy(() -> c.load("h.0.attn.weight", manager))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("tensor 'h.0.attn.weight' not found in")
                    .hasMessageContaining("model.safetensors");
            assertThatThrownBy(() -> c.load("w", manager, 3, 2))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("has shape [2, 3], expected [3, 2]");
        }
    }

    @Test
    void shardedCheckpointsResolveTensorsThroughTheIndex() throws Exception {
        new SafetensorsWriter().addF32("a", new long[] {1}, 1).write(tmp.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().addF32("b", new long[] {1}, 2).write(tmp.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(tmp.resolve("model.safetensors.index.json"), "{\"metadata\":{},\"weight_map\":{"
                + "\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}");
        try (Checkpoint c = Checkpoint.open(tmp)) {
            assertThat(c.tensorNames()).containsExactly("a", "b");
            assertThat(c.load("b", manager).toFloatArray()).containsExactly(2f);
            assertThat(c.files()).hasSize(2);
            assertThatThrownBy(() -> c.load("c", manager)).hasMessageContaining("(sharded)");
        }
        Files.writeString(tmp.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"a\":\"model-00003-of-00002.safetensors\"}}");
        assertThatThrownBy(() -> Checkpoint.open(tmp)).hasMessageContaining("does not exist");
    }

    @Test
    void folderWithoutWeightsIsExplained() {
        assertThatThrownBy(() -> Checkpoint.open(tmp)).hasMessageContaining("expected model.safetensors");
    }
}
