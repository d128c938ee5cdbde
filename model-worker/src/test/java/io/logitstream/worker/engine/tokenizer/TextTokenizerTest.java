package io.logitstream.worker.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {
    @TempDir
    Path tmp;

    private static TextTokenizer gpt2() {
        return TestModels.tinyGpt2().tokenizer();
    }

    @Test
    void encodesExactlyLikeTransformersIncludingNonAscii() {
        JsonNode golden = TestModels.tinyGpt2Golden();
        for (JsonNode c : golden.get("cases")) {
            assertThat(gpt2().encode(c.get("text").asText())).as(c.get("name").asText())
                    .containsExactly(TestModels.ints(c.get("input_ids")));
        }
        assertThat(gpt2().encode("Hello world")).containsExactly(TestModels.ints(golden.at("/tokenizer/hello_world_ids")));
    }

    @Test
    void longInputIsNotTruncatedOrPadded() {
        String text = "word ".repeat(2000).trim();
        assertThat(gpt2().encode(text)).hasSize(2000);
        assertThat(gpt2().encode("a")).hasSize(1);
    }

    @Test
    void tokenizationCasesMatchTransformers() {
        JsonNode cases = TestModels.tinyGpt2Golden().get("tokenization");
        assertThat(cases.size()).isGreaterThan(0);
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] ids = TestModels.ints(c.get("input_ids"));
            assertThat(gpt2().encode(text)).as("encode %s", text).containsExactly(ids);
            assertThat(gpt2().decode(ids, false)).as("decode %s", text).isEqualTo(c.get("decoded").asText());
            assertThat(gpt2().decode(ids, true)).as("decode skipping specials %s", text)
                    .isEqualTo(c.get("decoded_skip_special").asText());
        }
    }

    @Test
    void decodeRoundTripsLikeTransformers() {
        JsonNode roundTrip = TestModels.tinyGpt2Golden().at("/tokenizer/decode_roundtrip");
        for (JsonNode c : TestModels.tinyGpt2Golden().get("cases")) {
            String name = c.get("name").asText();
            if (roundTrip.has(name)) {
                assertThat(gpt2().decode(TestModels.ints(c.get("input_ids")), false))
                        .isEqualTo(roundTrip.get(name).asText());
            }
        }
    }

    @Test
    void specialTokensComeFromTokenizerConfig() {
        assertThat(gpt2().eosTokenId()).isEqualTo(50256);
        assertThat(gpt2().bosTokenId()).isEqualTo(50256);
        assertThat(gpt2().padTokenId()).isNull();
        assertThat(gpt2().specialTokens().eos()).isEqualTo("<|endoftext|>");
    }

    @Test
    void postProcessorBosIsAddedAndTokenizerConfigCanOverrideIt() throws Exception {
        Path bosTokenizer = TestModels.root().resolve("fixtures/tokenizers/gpt2-bos/tokenizer.json");
        Path dir = Files.createDirectories(tmp.resolve("bos"));
        Files.copy(bosTokenizer, dir.resolve("tokenizer.json"));
        try (TextTokenizer t = TextTokenizer.load(dir)) {
            assertThat(t.encode("Hello world")).containsExactly(50256, 15496, 995);
            assertThat(t.encode("Hello world", false)).containsExactly(15496, 995);
        }
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"add_bos_token\": false, \"bos_token\": \"<|endoftext|>\"}");
        try (TextTokenizer t = TextTokenizer.load(dir)) {
            assertThat(t.encode("Hello world")).containsExactly(15496, 995);
            // a BOS written in the text is the text's own token and stays
            assertThat(t.encode("<|endoftext|>Hello")).containsExactly(50256, 15496);
        }
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        Files.copy(TestModels.tinyGpt2Dir().resolve("tokenizer.json"), plain.resolve("tokenizer.json"));
        Files.writeString(plain.resolve("tokenizer_config.json"),
                "{\"add_bos_token\": true, \"bos_token\": {\"content\": \"<|endoftext|>\"}}");
        try (TextTokenizer t = TextTokenizer.load(plain)) {
            assertThat(t.encode("Hello world")).containsExactly(50256, 15496, 995);
            assertThat(t.encode("Hello world", false)).containsExactly(15496, 995);
        }
    }

    @Test
    void missingTokenizerJsonIsExplained() {
        assertThatThrownBy(() -> TextTokenizer.load(tmp)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("no tokenizer.json");
    }

    @Test
    void cleanUpTokenizationSpacesFollowsTransformers() {
        assertThat(TextTokenizer.cleanUpTokenization("Hello , world . I 'm here ! Don 't"))
                .isEqualTo("Hello, world. I'm here! Don 't");
    }
}
