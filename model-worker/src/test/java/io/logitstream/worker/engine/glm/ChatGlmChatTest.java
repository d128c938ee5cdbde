package io.logitstream.worker.engine.glm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.config.GenerationDefaults;
import io.logitstream.worker.engine.generation.FinishReason;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.GenerationResult;
import io.logitstream.worker.engine.generation.Generator;
import io.logitstream.worker.engine.generation.TokenListener;
import io.logitstream.worker.engine.tokenizer.ChatMessage;
import io.logitstream.worker.engine.tokenizer.StreamingDetokenizer;
import io.logitstream.worker.engine.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ChatGLM3's chat format and stop tokens on the GLM fixtures. tiny-glm's tokenizer_config.json holds
 * ChatGLM3's jinja template (transformers rendered the golden chat prompt with it); tiny-chatglm has
 * none, like ChatGLM3-6B's folder, so it gets the built-in equivalent and must produce the same ids.
 * The fixtures' tokenizer has ChatGLM3's special tokens: [gMASK] 50257, sop 50258, <|system|> 50259,
 * <|user|> 50260, <|assistant|> 50261, <|observation|> 50262; <|endoftext|> is 50256.
 */
class ChatGlmChatTest {
    private static final int END = 50256;
    private static final int USER = 50260;
    private static final int OBSERVATION = 50262;

    @TempDir
    Path tmp;

    @Test
    void chatGlmFolderWithoutATemplateRendersChatGlm3sFormat() {
        LoadedModel chatglm = TestModels.model("tiny-chatglm");
        assertThat(chatglm.tokenizer().config().has("chat_template")).isFalse();
        assertThat(chatglm.chatTemplate()).isPresent();
        List<ChatMessage> one = List.of(new ChatMessage("user", "Hi"));
        assertThat(chatglm.renderChat(one, true)).isEqualTo("[gMASK]sop<|user|>\n Hi<|assistant|>");
        assertThat(chatglm.encodeChat(one, true)).startsWith(50257, 50258, USER).endsWith(50261);
    }

    @Test
    void builtInTemplateGivesTheIdsOfTheTemplateFromTokenizerConfig() {
        LoadedModel chatglm = TestModels.model("tiny-chatglm");
        LoadedModel glm = TestModels.model("tiny-glm");
        List<ChatMessage> golden = new ArrayList<>();
        TestModels.golden("tiny-glm").at("/chat/messages").forEach(m -> golden.add(
                new ChatMessage(m.get("role").asText(), m.get("content").asText())));
        List<ChatMessage> withTool = List.of(new ChatMessage("system", "Use tools."),
                new ChatMessage("user", "Weather in Köln?"), new ChatMessage("assistant", "get_weather(\"Köln\")"),
                new ChatMessage("observation", "{\"temp\": 21}"));
        for (List<ChatMessage> messages : List.of(golden, withTool)) {
            for (boolean prompt : new boolean[] {true, false}) {
                assertThat(chatglm.renderChat(messages, prompt)).isEqualTo(glm.renderChat(messages, prompt));
                assertThat(chatglm.encodeChat(messages, prompt)).containsExactly(glm.encodeChat(messages, prompt));
            }
        }
        assertThat(chatglm.encodeChat(golden, true))
                .containsExactly(TestModels.ints(TestModels.golden("tiny-glm").at("/chat/input_ids")));
        assertThat(chatglm.renderChat(withTool, true)).isEqualTo("[gMASK]sop<|system|>\n Use tools.<|user|>\n Weather "
                + "in Köln?<|assistant|>\n get_weather(\"Köln\")<|observation|>\n {\"temp\": 21}<|assistant|>");
    }

    @Test
    void onlyChatGlm3TokenizersGetTheBuiltInTemplateAndRoleStops() {
        // a chatglm config whose tokenizer lacks ChatGLM3's tokens (ChatGLM2's prompt is plain text)
        LoadedModel chatglm = TestModels.model("tiny-chatglm");
        TextTokenizer plain = TestModels.tinyGpt2().tokenizer();
        assertThat(ChatGlmChat.builtInTemplate(chatglm.config(), plain)).isEmpty();
        // other model types are left alone
        LoadedModel gpt2 = TestModels.tinyGpt2();
        assertThat(ChatGlmChat.builtInTemplate(TestModels.model("tiny-glm").config(), chatglm.tokenizer())).isEmpty();
        assertThat(ChatGlmChat.withRoleStops(gpt2.generationDefaults(), gpt2.config(), chatglm.tokenizer()))
                .isSameAs(gpt2.generationDefaults());
    }

    /** A copy of tiny-chatglm whose only stop id is <|endoftext|> (config.json, no generation_config.json). */
    private Path folderStoppingOnlyAtTheEndToken() throws Exception {
        Path src = TestModels.modelDir("tiny-chatglm");
        Path dir = Files.createDirectories(tmp.resolve("chatglm"));
        for (String f : List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json")) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(src.resolve("config.json").toFile());
        config.put("eos_token_id", END);
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(config));
        return dir;
    }

    @Test
    void aReplyStopsAtTheNextRoleTokenAsChatGlm3sChatDoes() throws Exception {
        try (LoadedModel model = ModelLoader.load(folderStoppingOnlyAtTheEndToken())) {
            GenerationDefaults defaults = model.generationDefaults();
            assertThat(defaults.eosTokenIds()).containsExactlyInAnyOrder(END, USER, OBSERVATION);
            int[] prompt = model.encodeChat(List.of(new ChatMessage("user", "Hi")), true);
            Generator generator = new Generator(model);
            for (int role : new int[] {USER, OBSERVATION}) {
                // a policy that answers with two ordinary tokens, then the role token, then more text
                int[] script = {464, 995, role, 464, 995};
                GenerationOptions scripted = GenerationOptions.greedy(5).withPolicy(
                        (logits, history) -> new int[] {script[history[0].length - prompt.length]});
                GenerationResult r = generator.generate(prompt, scripted, TokenListener.NONE);
                assertThat(r.newIds()).containsExactly(464, 995, role);
                assertThat(r.finishReason()).isEqualTo(FinishReason.EOS);
                assertThat(r.text()).isEqualTo(model.tokenizer().decode(new int[] {464, 995}, true));
            }
        }
    }

    @Test
    void theFixtureFoldersStopAtTheEndAndRoleTokens() {
        for (String name : List.of("tiny-glm", "tiny-glm4", "tiny-chatglm")) {
            assertThat(TestModels.model(name).generationDefaults().eosTokenIds()).as(name)
                    .isEqualTo(Set.of(END, USER, OBSERVATION));
        }
    }

    @Test
    void streamedTextNeverEndsInHalfACharacter() {
        TextTokenizer tokenizer = TestModels.model("tiny-chatglm").tokenizer();
        String text = "Grüße aus Köln — 東京タワー 🚀 👩‍👩‍👧 naïve<|user|>";
        int[] ids = tokenizer.encode(text, false);
        StreamingDetokenizer stream = StreamingDetokenizer.of(tokenizer);
        StringBuilder streamed = new StringBuilder();
        int held = 0;
        for (int id : ids) {
            String delta = stream.add(id);
            assertThat(delta).doesNotContain("\uFFFD");
            if (!delta.isEmpty()) {
                assertThat(Character.isHighSurrogate(delta.charAt(delta.length() - 1))).as(delta).isFalse();
            } else {
                held++;
            }
            streamed.append(delta);
        }
        streamed.append(stream.flush());
        assertThat(held).as("tokens that ended inside a character").isPositive();
        assertThat(streamed.toString()).isEqualTo(tokenizer.decode(ids, true))
                .isEqualTo("Grüße aus Köln — 東京タワー 🚀 👩‍👩‍👧 naïve");
    }
}
