package io.logitstream.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A copy of a checkpoint folder whose final layer-norm weights are changed: another fingerprint, other logprobs. */
final class PerturbedCheckpoint {

    static final String TENSOR = "transformer.ln_f.weight";

    private PerturbedCheckpoint() {
    }

    /** Copies {@code source} to {@code target} and multiplies every F32 value of {@link #TENSOR} by 3. */
    static Path copy(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        Path weights = target.resolve("model.safetensors");
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(weights)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) bytes.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(bytes.array(), 8, headerLength,
                StandardCharsets.UTF_8));
        JsonNode tensor = header.get(TENSOR);
        if (tensor == null || !"F32".equals(tensor.get("dtype").asText())) {
            throw new IllegalStateException(source + " has no F32 tensor " + TENSOR);
        }
        int from = 8 + headerLength + tensor.get("data_offsets").get(0).asInt();
        int to = 8 + headerLength + tensor.get("data_offsets").get(1).asInt();
        for (int at = from; at < to; at += 4) {
            bytes.putFloat(at, bytes.getFloat(at) * 3f);
        }
        Files.write(weights, bytes.array());
        return target;
    }
}
