package io.logitstream.worker.engine;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A content hash of what determines a model's outputs: config.json, the weight files (and the
 * shard index), tokenizer.json and tokenizer_config.json (without tokenizer.json: the SentencePiece
 * tokenizer.model and the older added_tokens.json / special_tokens_map.json read with it). Same
 * fingerprint = same numbers, so results can be compared across runs and workers.
 *
 * <p>Each file contributes its name, its length and its bytes, read through memory-mapped chunks
 * (no copy of the weights onto the Java heap). Symlinks are followed: the content counts, not
 * where it lives.
 */
public record ModelFingerprint(String value) {
    private static final long CHUNK = 64L * 1024 * 1024;

    /** Fingerprints a checkpoint folder given its weight files (as listed by the checkpoint). */
    public static ModelFingerprint compute(Path dir, List<Path> weightFiles) {
        List<Path> files = new ArrayList<>();
        files.add(dir.resolve("config.json"));
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) {
            files.add(index);
        }
        List<Path> weights = new ArrayList<>(weightFiles);
        weights.sort(null);
        files.addAll(weights);
        Path tokenizer = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(tokenizer)) {
            files.add(tokenizer);
        } else {
            for (String name : List.of("tokenizer.model", "added_tokens.json", "special_tokens_map.json")) {
                if (Files.isRegularFile(dir.resolve(name))) {
                    files.add(dir.resolve(name));
                }
            }
        }
        Path tokConfig = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(tokConfig)) {
            files.add(tokConfig);
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                hashFile(sha, f);
            }
            return new ModelFingerprint("sha256:" + HexFormat.of().formatHex(sha.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot fingerprint " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void hashFile(MessageDigest sha, Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long size = ch.size();
            sha.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            for (int i = 7; i >= 0; i--) {
                sha.update((byte) (size >>> (8 * i)));
            }
            for (long pos = 0; pos < size; pos += CHUNK) {
                MappedByteBuffer chunk = ch.map(FileChannel.MapMode.READ_ONLY, pos, Math.min(CHUNK, size - pos));
                sha.update(chunk);
            }
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
