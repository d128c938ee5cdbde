package io.logitstream.worker.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path tmp;

    @Test
    void parsesHeaderAndMapsTensorBytes() throws Exception {
        Path f = new SafetensorsWriter()
                .addF32("a", new long[] {2, 3}, 1, 2, 3, 4, 5, 6)
                .addF32("b", new long[] {2}, 7, 8)
                .write(tmp.resolve("model.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertThat(st.tensors()).containsOnlyKeys("a", "b");
            assertThat(st.metadata()).containsEntry("format", "pt");
            TensorInfo b = st.info("b");
            assertThat(b.dtype()).isEqualTo(TensorDType.F32);
            assertThat(b.shape()).containsExactly(2);
            assertThat(b.begin()).isEqualTo(24);
            ByteBuffer buf = st.map(b);
            assertThat(buf.isDirect()).isTrue();
            assertThat(buf.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(buf.getFloat(0)).isEqualTo(7f);
            assertThat(buf.getFloat(4)).isEqualTo(8f);
        }
    }

    @Test
    void truncatedDataNamesBothSizes() throws Exception {
        byte[] full = new SafetensorsWriter().addF32("a", new long[] {4}, 1, 2, 3, 4).bytes();
        Path f = tmp.resolve("cut.safetensors");
        Files.write(f, Arrays.copyOf(full, full.length - 6));
        assertThatThrownBy(() -> SafetensorsFile.open(f))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("truncated")
                .hasMessageContaining("header says 16 data bytes, file has 10")
                .hasMessageContaining(f.toString());
    }

    @Test
    void truncatedHeaderIsReported() throws Exception {
        byte[] full = new SafetensorsWriter().addF32("a", new long[] {1}, 1).bytes();
        Path f = tmp.resolve("cut.safetensors");
        Files.write(f, Arrays.copyOf(full, 20));
        assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("truncated");
        Path tiny = tmp.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafetensorsFile.open(tiny)).hasMessageContaining("too short");
    }

    @Test
    void inconsistentOffsetsAndUnknownDtypesAreRejected() throws Exception {
        Path bad = new SafetensorsWriter().add("a", "F32", new long[] {3}, new byte[8]).write(tmp.resolve("bad.safetensors"));
        assertThatThrownBy(() -> SafetensorsFile.open(bad)).hasMessageContaining("needs 12 bytes but data_offsets span 8");
        Path f8 = new SafetensorsWriter().add("a", "F8_E4M3", new long[] {1}, new byte[1]).write(tmp.resolve("f8.safetensors"));
        assertThatThrownBy(() -> SafetensorsFile.open(f8)).hasMessageContaining("dtype F8_E4M3");
    }

    @Test
    void missingTensorNamesTheFile() throws Exception {
        Path f = new SafetensorsWriter().addF32("a", new long[] {1}, 1).write(tmp.resolve("model.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertThatThrownBy(() -> st.info("nope")).hasMessageContaining("'nope'").hasMessageContaining(f.toString());
        }
    }
}
