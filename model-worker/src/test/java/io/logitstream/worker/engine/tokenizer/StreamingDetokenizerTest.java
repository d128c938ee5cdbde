package io.logitstream.worker.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.worker.engine.TestModels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class StreamingDetokenizerTest {

    private static List<String> stream(StreamingDetokenizer d, int[] ids) {
        List<String> deltas = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            String delta = d.add(ids[i]);
            if (i == ids.length - 1) {
                delta += d.flush();
            }
            deltas.add(delta);
        }
        return deltas;
    }

    @Test
    void neverEmitsHalfACharacterWithTheRealTokenizer() {
        TextTokenizer tok = TestModels.tinyGpt2().tokenizer();
        for (String text : List.of("東京🚀", "Grüße aus Köln — 東京タワー 🚀 naïve café",
                "🚀🚀🚀 emoji run 👩‍👩‍👧 family", "a".repeat(10) + " 東京 " + "x".repeat(40) + "🚀")) {
            int[] ids = tok.encode(text, false);
            List<String> deltas = stream(StreamingDetokenizer.of(tok), ids);
            assertThat(String.join("", deltas)).isEqualTo(text);
            for (String d : deltas) {
                assertThat(d).doesNotContain("\uFFFD");
                // every delta is well-formed UTF-16 (no lone surrogate = no split emoji)
                assertThat(new String(d.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(d);
            }
        }
    }

    @Test
    void holdsBackIncompleteBytesUntilTheCharacterCompletes() {
        TextTokenizer tok = TestModels.tinyGpt2().tokenizer();
        int[] ids = tok.encode("🚀", false);
        assertThat(ids.length).as("the rocket is several byte-level tokens").isGreaterThan(1);
        StreamingDetokenizer d = StreamingDetokenizer.of(tok);
        for (int i = 0; i < ids.length - 1; i++) {
            assertThat(d.add(ids[i])).isEmpty();
        }
        assertThat(d.add(ids[ids.length - 1])).isEqualTo("🚀");
    }

    @Test
    void longStreamsSlideTheWindowWithoutLosingText() {
        // a fake byte-level decoder: each id is one byte of UTF-8, invalid sequences decode to U+FFFD
        byte[] bytes = ("start " + "東京🚀 ".repeat(30) + "end").getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        Function<int[], String> decoder = window -> {
            byte[] b = new byte[window.length];
            for (int i = 0; i < window.length; i++) {
                b[i] = (byte) window[i];
            }
            return new String(b, StandardCharsets.UTF_8);
        };
        List<String> deltas = stream(new StreamingDetokenizer(decoder), ids);
        assertThat(String.join("", deltas)).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
        assertThat(deltas).noneMatch(s -> s.contains("\uFFFD"));
    }

    @Test
    void flushEmitsATruncatedCharacterAtTheEnd() {
        TextTokenizer tok = TestModels.tinyGpt2().tokenizer();
        int[] ids = tok.encode("ok🚀", false);
        StreamingDetokenizer d = StreamingDetokenizer.of(tok);
        StringBuilder sb = new StringBuilder();
        for (int id : Arrays.copyOf(ids, ids.length - 1)) {
            sb.append(d.add(id));
        }
        assertThat(sb.toString()).isEqualTo("ok");
        assertThat(d.flush()).contains("\uFFFD");
    }

    /**
     * A SentencePiece tokenizer with byte fallback: characters outside its vocabulary are one
     * {@code <0xNN>} token per UTF-8 byte, and none of those partial characters reaches a delta.
     */
    @Test
    void neverEmitsHalfACharacterWithSentencePieceByteFallback() {
        try (TextTokenizer tok = TextTokenizer.load(TestModels.root().resolve("fixtures/tokenizers/sp-bpe"))) {
            for (String text : List.of("🦀☃✓ 東京タワー 😀 naïve",
                    "你好 " + "🦀".repeat(12) + " ok ✓✓✓ 一二三四五六七八九十",
                    "x\n\n🦀 and 🐙 in a row 🦀🐙")) {
                int[] ids = tok.encode(text, false);
                long byteTokens = Arrays.stream(ids).filter(id -> tok.tokenText(id).equals("\uFFFD")).count();
                assertThat(byteTokens).as("%s has byte-fallback tokens", text).isGreaterThan(3);
                List<String> deltas = stream(StreamingDetokenizer.of(tok), ids);
                assertThat(String.join("", deltas)).isEqualTo(tok.decodeRaw(ids, true)).isEqualTo(text);
                for (String d : deltas) {
                    assertThat(d).doesNotContain("\uFFFD");
                    assertThat(new String(d.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(d);
                }
            }
        }
    }
}
