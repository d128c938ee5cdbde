package io.logitstream.worker.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SentencePiece {@code tokenizer.model} folders against transformers 4.57's slow LlamaTokenizer
 * (fixtures/make_sentencepiece_fixtures.py): BPE with legacy=false and added_tokens_decoder, the same
 * model with legacy=true and the older added_tokens.json / special_tokens_map.json, and a unigram
 * model with nmt_nfkc normalisation, whitespace squeezing and lstrip/rstrip/non-special added tokens.
 */
class SentencePieceTokenizerTest {

    private static Path folder(String name) {
        return TestModels.root().resolve("fixtures/tokenizers/" + name);
    }

    private static JsonNode golden(String name) {
        return TestModels.readJson(TestModels.root().resolve("fixtures/golden/sentencepiece/" + name + ".json"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sp-bpe", "sp-bpe-legacy", "sp-unigram"})
    void encodesLikeTheSlowTokenizer(String name) {
        JsonNode g = golden(name);
        try (TextTokenizer t = TextTokenizer.load(folder(name))) {
            for (JsonNode c : g.get("cases")) {
                String text = c.get("text").asText();
                assertThat(t.encode(text)).as("%s: encode %s", name, text)
                        .containsExactly(TestModels.ints(c.get("ids")));
                assertThat(t.encode(text, false)).as("%s: encode plain %s", name, text)
                        .containsExactly(TestModels.ints(c.get("ids_plain")));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sp-bpe", "sp-bpe-legacy", "sp-unigram"})
    void decodesLikeTheSlowTokenizer(String name) {
        JsonNode g = golden(name);
        try (TextTokenizer t = TextTokenizer.load(folder(name))) {
            for (JsonNode c : g.get("cases")) {
                int[] ids = TestModels.ints(c.get("ids"));
                assertThat(t.decode(ids, false)).as("%s: decode %s", name, c.get("ids"))
                        .isEqualTo(c.get("decoded").asText());
                assertThat(t.decode(ids, true)).as("%s: decode skipping %s", name, c.get("ids"))
                        .isEqualTo(c.get("decoded_skip_special").asText());
            }
            for (JsonNode c : g.get("decodes")) {
                int[] ids = TestModels.ints(c.get("ids"));
                assertThat(t.decode(ids, false)).as("%s: decode %s", name, c.get("ids"))
                        .isEqualTo(c.get("decoded").asText());
                assertThat(t.decode(ids, true)).as("%s: decode skipping %s", name, c.get("ids"))
                        .isEqualTo(c.get("decoded_skip_special").asText());
            }
        }
    }

    /** Every id on its own: byte pieces are U+FFFD (half a character), special tokens their text. */
    @ParameterizedTest
    @ValueSource(strings = {"sp-bpe", "sp-bpe-legacy", "sp-unigram"})
    void singleTokenTextsMatchTheSlowTokenizer(String name) {
        JsonNode g = golden(name);
        try (TextTokenizer t = TextTokenizer.load(folder(name))) {
            for (Iterator<Map.Entry<String, JsonNode>> it = g.get("single_token_decodes").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertThat(t.tokenText(Integer.parseInt(e.getKey()))).as("%s: id %s", name, e.getKey())
                        .isEqualTo(e.getValue().asText());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sp-bpe", "sp-bpe-legacy", "sp-unigram"})
    void specialTokenIdsMatchTheSlowTokenizer(String name) {
        JsonNode g = golden(name);
        try (TextTokenizer t = TextTokenizer.load(folder(name))) {
            assertThat(t.bosTokenId()).isEqualTo(g.get("bos_token_id").asInt());
            assertThat(t.eosTokenId()).isEqualTo(g.get("eos_token_id").asInt());
            Integer pad = g.get("pad_token_id").isNull() ? null : g.get("pad_token_id").asInt();
            assertThat(t.padTokenId()).isEqualTo(pad);
            for (JsonNode s : g.get("all_special_tokens")) {
                assertThat(t.tokenToId(s.asText())).as(s.asText()).isNotNull();
                assertThat(t.encode(s.asText(), false)).as(s.asText()).containsExactly(t.tokenToId(s.asText()));
            }
        }
    }

    /** transformers' AutoTokenizer order: tokenizer.json wins over tokenizer.model. */
    @Test
    void tokenizerJsonWinsWhenBothExist(@TempDir Path tmp) throws Exception {
        for (String f : new String[] {"tokenizer.model", "tokenizer_config.json"}) {
            Files.copy(folder("sp-bpe").resolve(f), tmp.resolve(f));
        }
        Files.copy(TestModels.tinyGpt2Dir().resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
        try (TextTokenizer both = TextTokenizer.load(tmp); TextTokenizer sp = TextTokenizer.load(folder("sp-bpe"))) {
            int[] gpt2 = TestModels.tinyGpt2().tokenizer().encode("Hello world", false);
            assertThat(both.encode("Hello world", false)).containsExactly(gpt2);
            assertThat(sp.encode("Hello world", false)).isNotEqualTo(gpt2);
        }
    }

    @Test
    void singleTokenTextsOfBytePiecesAndPaddedRows() {
        try (TextTokenizer t = TextTokenizer.load(folder("sp-bpe"))) {
            Integer byteE4 = t.tokenToId("<0xE4>");
            assertThat(byteE4).isNotNull();
            assertThat(t.tokenText(byteE4)).isEqualTo("\uFFFD");
            // an ASCII byte piece is its character
            assertThat(t.tokenText(t.tokenToId("<0x41>"))).isEqualTo("A");
            // ids of the model's padded embedding rows (vocab 1024 > 1002 tokens) decode to nothing
            assertThat(t.decode(new int[] {t.tokenToId("<0x41>"), 1020}, false)).isEqualTo("A");
            assertThat(t.tokenToId("not a piece")).isNull();
        }
    }

    @Test
    void aFolderWithoutTokenizerFilesNamesBoth(@TempDir Path tmp) {
        assertThatThrownBy(() -> TextTokenizer.load(tmp)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("no tokenizer.json").hasMessageContaining("tokenizer.model");
    }

    @Test
    void aCorruptTokenizerModelFailsClearly(@TempDir Path tmp) throws Exception {
        Files.write(tmp.resolve("tokenizer.model"), new byte[] {10, (byte) 200, 1, 2});
        assertThatThrownBy(() -> TextTokenizer.load(tmp)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("tokenizer.model");
    }

    /** special_tokens_map.json's tokens reach the chat template (the config of that layout names none). */
    @Test
    void chatTemplateGetsTheResolvedSpecialTokens(@TempDir Path tmp) throws Exception {
        for (String f : new String[] {"tokenizer.model", "special_tokens_map.json", "added_tokens.json"}) {
            Files.copy(folder("sp-bpe-legacy").resolve(f), tmp.resolve(f));
        }
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"legacy\": true, \"chat_template\":"
                + " \"{{ bos_token }}{% for m in messages %}[{{ m['content'] }}]{% endfor %}{{ eos_token }}\"}");
        try (TextTokenizer t = TextTokenizer.load(tmp)) {
            ChatTemplate chat = ChatTemplate.from(t.config(), t.specialTokens()).orElseThrow();
            assertThat(chat.render(java.util.List.of(new ChatMessage("user", "Hi")), false)).isEqualTo("<s>[Hi]</s>");
            assertThat(t.specialTokens()).isEqualTo(new SpecialTokens("<s>", "</s>", "<unk>", null));
        }
    }
}
