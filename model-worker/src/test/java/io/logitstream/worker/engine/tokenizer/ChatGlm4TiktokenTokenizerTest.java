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
 * GLM-4's original tokenizer (tiktoken rank file as tokenizer.model + remote-code ChatGLM4Tokenizer)
 * against that code on transformers 4.57.6 with tiktoken 0.14.0
 * (fixtures/make_glm4_tiktoken_fixtures.py): the pre-tokenization regex and byte-pair merges on
 * accents, CJK, emoji, Arabic, whitespace runs and contractions; special tokens after the ranks; the
 * [gMASK] <sop> prefix; decodes; the chat template's ids.
 */
class ChatGlm4TiktokenTokenizerTest {

    private static Path folder() {
        return TestModels.root().resolve("fixtures/tokenizers/glm4-tiktoken");
    }

    private static JsonNode golden() {
        return TestModels.readJson(TestModels.root().resolve("fixtures/golden/glm4-tiktoken.json"));
    }

    @Test
    void encodesLikeGlm4sTokenizer() {
        try (TextTokenizer t = TextTokenizer.load(folder())) {
            for (JsonNode c : golden().get("cases")) {
                String text = c.get("text").asText();
                assertThat(t.encode(text)).as("encode %s", text).containsExactly(TestModels.ints(c.get("ids")));
                assertThat(t.encode(text, false)).as("encode plain %s", text)
                        .containsExactly(TestModels.ints(c.get("ids_plain")));
                assertThat(t.encodeWithoutAddedTokens(text)).as("tiktoken encode_ordinary %s", text)
                        .containsExactly(TestModels.ints(c.get("tiktoken_ordinary")));
            }
        }
    }

    @Test
    void decodesLikeGlm4sTokenizer() {
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
            for (Iterator<Map.Entry<String, JsonNode>> it = g.get("single_token_decodes").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertThat(t.tokenText(Integer.parseInt(e.getKey()))).as("id %s", e.getKey())
                        .isEqualTo(e.getValue().asText());
            }
        }
    }

    @Test
    void specialTokensFollowTheRanks() {
        JsonNode g = golden();
        try (TextTokenizer t = TextTokenizer.load(folder())) {
            for (Iterator<Map.Entry<String, JsonNode>> it = g.get("commands").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertThat(t.commandTokenId(e.getKey())).as(e.getKey()).isEqualTo(e.getValue().asInt());
                assertThat(t.tokenToId(e.getKey())).as(e.getKey()).isEqualTo(e.getValue().asInt());
            }
            assertThat(t.eosTokenId()).isEqualTo(g.get("eos_token_id").asInt());
            assertThat(t.padTokenId()).isEqualTo(g.get("pad_token_id").asInt());
        }
    }

    @Test
    void chatTemplateIdsMatchApplyChatTemplate() {
        try (TextTokenizer t = TextTokenizer.load(folder())) {
            ChatTemplate template = ChatTemplate.from(t.config(), t.specialTokens()).orElseThrow();
            for (JsonNode c : golden().get("chats")) {
                List<ChatMessage> messages = new java.util.ArrayList<>();
                c.get("messages").forEach(m -> messages.add(new ChatMessage(m.get("role").asText(),
                        m.get("content").asText())));
                String rendered = template.render(messages, true);
                assertThat(rendered).isEqualTo(c.get("rendered").asText());
                assertThat(t.encode(rendered, false)).containsExactly(TestModels.ints(c.get("template_ids")));
                assertThat(t.encode(template.render(messages, false), false))
                        .containsExactly(TestModels.ints(c.get("template_ids_no_prompt")));
            }
        }
    }

    /** Detected by content: a tiktoken tokenizer.model without tokenizer_class still loads as GLM-4's. */
    @Test
    void aTiktokenRankFileIsDetectedByItsContent(@TempDir Path tmp) throws Exception {
        Files.copy(folder().resolve("tokenizer.model"), tmp.resolve("tokenizer.model"));
        try (TextTokenizer t = TextTokenizer.load(tmp); TextTokenizer ref = TextTokenizer.load(folder())) {
            assertThat(t.encode("Hello 東京 🚀", false)).containsExactly(ref.encode("Hello 東京 🚀", false));
            assertThat(t.commandTokenId("<sop>")).isEqualTo(ref.commandTokenId("<sop>"));
        }
        assertThat(TiktokenBpe.isRankFile(TestModels.root().resolve("fixtures/tokenizers/sp-bpe/tokenizer.model")))
                .isFalse();
    }

    @Test
    void streamingNeverEmitsHalfACharacter() {
        try (TextTokenizer t = TextTokenizer.load(folder())) {
            for (String text : List.of("你好，世界！ 🚀🚀 Ærøskøbing", "ℌ𝔢𝔩𝔩𝔬 👩‍👩‍👧 مرحبا",
                    "日本語のテキスト")) {
                int[] ids = t.encode(text, false);
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
                assertThat(streamed.toString()).isEqualTo(text);
            }
        }
    }
}
