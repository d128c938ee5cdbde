package io.logitstream.worker.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ChatGLM3's tokenizer (SentencePiece tokenizer.model + remote-code ChatGLMTokenizer) against the
 * remote code's behaviour on transformers 4.57.6 (fixtures/make_chatglm_tokenizer_fixtures.py): the
 * command tokens after the SentencePiece vocabulary, the [gMASK] sop prefix, added-token splitting,
 * and decoding with and without skipping special tokens.
 */
class ChatGlmSentencePieceTokenizerTest {

    private static Path folder() {
        return TestModels.root().resolve("fixtures/tokenizers/chatglm3-sp");
    }

    private static JsonNode golden() {
        return TestModels.readJson(TestModels.root().resolve("fixtures/golden/chatglm3-tokenizer.json"));
    }

    @Test
    void encodesLikeChatGlm3sTokenizer() {
        try (TextTokenizer t = TextTokenizer.load(folder())) {
            for (JsonNode c : golden().get("cases")) {
                String text = c.get("text").asText();
                assertThat(t.encode(text)).as("encode %s", text).containsExactly(TestModels.ints(c.get("ids")));
                assertThat(t.encode(text, false)).as("encode plain %s", text)
                        .containsExactly(TestModels.ints(c.get("ids_plain")));
            }
        }
    }

    @Test
    void decodesLikeChatGlm3sTokenizer() {
        JsonNode g = golden();
        try (TextTokenizer t = TextTokenizer.load(folder())) {
            for (String group : List.of("cases", "decodes")) {
                for (JsonNode c : g.get(group)) {
                    int[] ids = TestModels.ints(c.get("ids"));
                    assertThat(t.decode(ids, false)).as("decode %s", c.get("ids")).isEqualTo(c.get("decoded").asText());
                    assertThat(t.decode(ids, true)).as("decode skipping %s", c.get("ids"))
                            .isEqualTo(c.get("decoded_skip_special").asText());
                }
            }
            for (JsonNode c : g.get("chats")) {
                assertThat(t.decode(TestModels.ints(c.get("ids")), false)).isEqualTo(c.get("decoded").asText());
            }
        }
    }

    /** Every id alone: commands by name, bos/eos empty, unk its surface unless skipped, byte pieces U+FFFD. */
    @Test
    void singleTokenTextsMatch() {
        JsonNode g = golden();
        try (TextTokenizer t = TextTokenizer.load(folder())) {
            for (Iterator<Map.Entry<String, JsonNode>> it = g.get("single_token_decodes").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int id = Integer.parseInt(e.getKey());
                assertThat(t.tokenText(id)).as("id %s", id).isEqualTo(e.getValue().asText());
                assertThat(t.decode(new int[] {id}, true)).as("id %s skipping", id)
                        .isEqualTo(g.get("single_token_decodes_skip_special").get(e.getKey()).asText());
            }
        }
    }

    @Test
    void commandTokensFollowTheSentencePieceVocabulary() {
        JsonNode g = golden();
        try (TextTokenizer t = TextTokenizer.load(folder())) {
            assertThat(g.get("commands").size()).isEqualTo(9);
            for (Iterator<Map.Entry<String, JsonNode>> it = g.get("commands").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertThat(t.commandTokenId(e.getKey())).as(e.getKey()).isEqualTo(e.getValue().asInt());
                assertThat(t.tokenToId(e.getKey())).as(e.getKey()).isEqualTo(e.getValue().asInt());
            }
            assertThat(t.eosTokenId()).isEqualTo(g.get("eos_token_id").asInt());
            assertThat(t.padTokenId()).isEqualTo(g.get("pad_token_id").asInt());
            assertThat(t.bosTokenId()).isNull();
            // <|observation|> is no added token of this folder: in text it is SentencePiece pieces (as remote code)
            assertThat(t.encode("<|observation|>", false)).hasSizeGreaterThan(1);
            // other tokenizers define no command tokens
            assertThat(TestModels.tinyGpt2().tokenizer().commandTokenId("[gMASK]")).isNull();
        }
    }

    @Test
    void streamingNeverEmitsHalfACharacter() {
        try (TextTokenizer t = TextTokenizer.load(folder())) {
            for (String text : List.of("Unseen: 🦀 ☃ ✓", "你好，世界！ 🚀🚀 Ærøskøbing",
                    "ℌ𝔢𝔩𝔩𝔬 🦀🦀🦀")) {
                int[] ids = t.encode(text);
                StreamingDetokenizer d = StreamingDetokenizer.of(t);
                StringBuilder streamed = new StringBuilder();
                for (int id : ids) {
                    String delta = d.add(id);
                    assertThat(delta).as(text).doesNotContain("\uFFFD");
                    assertThat(new String(delta.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
                            .isEqualTo(delta);
                    streamed.append(delta);
                }
                streamed.append(d.flush());
                assertThat(streamed.toString()).isEqualTo(t.decode(ids, true));
            }
        }
    }

    /** ChatGLM2 ships the same class name with only five commands; its tokenization_chatglm.py has no role tokens. */
    @Test
    void aChatGlm2FolderHasNoRoleTokens(@TempDir Path tmp) throws Exception {
        for (String f : List.of("tokenizer.model", "tokenizer_config.json")) {
            Files.copy(folder().resolve(f), tmp.resolve(f));
        }
        Files.writeString(tmp.resolve("tokenization_chatglm.py"),
                "special_tokens = [\"[MASK]\", \"[gMASK]\", \"[sMASK]\", \"sop\", \"eop\"]\n");
        try (TextTokenizer t = TextTokenizer.load(tmp); TextTokenizer chatglm3 = TextTokenizer.load(folder())) {
            assertThat(t.commandTokenId("[gMASK]")).isEqualTo(chatglm3.commandTokenId("[gMASK]"));
            assertThat(t.commandTokenId("eop")).isEqualTo(chatglm3.commandTokenId("eop"));
            assertThat(t.commandTokenId("<|system|>")).isNull();
            assertThat(t.encode("Hello world")).containsExactly(chatglm3.encode("Hello world"));
        }
    }
}
