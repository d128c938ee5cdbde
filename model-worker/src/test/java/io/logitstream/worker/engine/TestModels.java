package io.logitstream.worker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Fixture access shared by all engine and CLI tests. The tiny GPT-2 is loaded once per JVM, so
 * DJL's native startup and the weight load are paid once for the whole test run.
 */
public final class TestModels {
    private static LoadedModel tinyGpt2;
    private static JsonNode tinyGpt2Golden;

    private TestModels() {
    }

    /** The repository root (surefire sets {@code logitstream.root}; fall back to walking up). */
    public static Path root() {
        String prop = System.getProperty("logitstream.root");
        if (prop != null) {
            return Paths.get(prop);
        }
        Path p = Paths.get("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("fixtures"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the repository root (no fixtures/ above the working dir)");
        }
        return p;
    }

    public static Path tinyGpt2Dir() {
        return root().resolve("fixtures/models/tiny-gpt2");
    }

    public static synchronized LoadedModel tinyGpt2() {
        if (tinyGpt2 == null) {
            tinyGpt2 = ModelLoader.load(tinyGpt2Dir());
        }
        return tinyGpt2;
    }

    public static synchronized JsonNode tinyGpt2Golden() {
        if (tinyGpt2Golden == null) {
            tinyGpt2Golden = readJson(root().resolve("fixtures/golden/tiny-gpt2.json"));
        }
        return tinyGpt2Golden;
    }

    public static JsonNode readJson(Path p) {
        try {
            return new ObjectMapper().readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    public static JsonNode goldenCase(JsonNode golden, String name) {
        for (JsonNode c : golden.get("cases")) {
            if (name.equals(c.get("name").asText())) {
                return c;
            }
        }
        throw new IllegalArgumentException("no golden case " + name);
    }
}
