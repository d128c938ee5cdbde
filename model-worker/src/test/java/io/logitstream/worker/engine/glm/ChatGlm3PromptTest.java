package io.logitstream.worker.engine.glm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.generation.FinishReason;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.GenerationResult;
import io.logitstream.worker.engine.generation.Generator;
import io.logitstream.worker.engine.generation.TokenListener;
import io.logitstream.worker.engine.tokenizer.ChatMessage;
import io.logitstream.worker.engine.tokenizer.TokenizerException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * ChatGLM3's own folder layout (fixtures/models/tiny-chatglm3: tiny-chatglm's weights with a
 * SentencePiece tokenizer.model and tokenizer_class ChatGLMTokenizer, no chat template): chat ids
 * equal the remote code's {@code build_chat_input}, and a reply stops at </s>, <|user|> or
 * <|observation|> (ids 2, 1006, 1008 here).
 */
class ChatGlm3PromptTest {
    private static final int USER = 1006;
    private static final int ASSISTANT = 1007;
    private static final int OBSERVATION = 1008;

    private static LoadedModel model() {
        return TestModels.model("tiny-chatglm3");
    }

    private static List<ChatMessage> messages(JsonNode list) {
        List<ChatMessage> out = new ArrayList<>();
        list.forEach(m -> out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText())));
        return out;
    }

    @Test
    void chatIdsEqualBuildChatInput() {
        JsonNode chats = TestModels.readJson(TestModels.root().resolve("fixtures/golden/chatglm3-tokenizer.json"))
                .get("chats");
        assertThat(chats.size()).isGreaterThan(3);
        for (JsonNode c : chats) {
            int[] expected = TestModels.ints(c.get("ids"));
            List<ChatMessage> messages = messages(c.get("messages"));
            assertThat(model().encodeChat(messages, true)).as("%s", messages).containsExactly(expected);
            // without the generation prompt: the same ids without the closing <|assistant|>
            assertThat(model().encodeChat(messages, false)).containsExactly(
                    Arrays.copyOf(expected, expected.length - 1));
        }
    }

    @Test
    void theBuiltInTemplateStillRendersTheTextView() {
        assertThat(model().tokenizer().config().has("chat_template")).isFalse();
        assertThat(model().renderChat(List.of(new ChatMessage("user", "Hi")), true))
                .isEqualTo("[gMASK]sop<|user|>\n Hi<|assistant|>");
    }

    @Test
    void anUnknownRoleIsRefused() {
        assertThatThrownBy(() -> model().encodeChat(List.of(new ChatMessage("tool", "x")), true))
                .isInstanceOf(TokenizerException.class).hasMessageContaining("no role 'tool'");
    }

    @Test
    void aReplyStopsAtTheEndOrTheNextRoleToken() {
        LoadedModel model = model();
        assertThat(model.generationDefaults().eosTokenIds()).isEqualTo(Set.of(2, USER, OBSERVATION));
        int[] prompt = model.encodeChat(List.of(new ChatMessage("user", "Hi")), true);
        assertThat(prompt[prompt.length - 1]).isEqualTo(ASSISTANT);
        int hello = model.tokenizer().encode("Hello", false)[0];
        for (int stop : new int[] {USER, OBSERVATION, 2}) {
            int[] script = {hello, hello, stop, hello};
            GenerationOptions scripted = GenerationOptions.greedy(4).withPolicy(
                    (logits, history) -> new int[] {script[history[0].length - prompt.length]});
            GenerationResult r = new Generator(model).generate(prompt, scripted, TokenListener.NONE);
            assertThat(r.newIds()).containsExactly(hello, hello, stop);
            assertThat(r.finishReason()).isEqualTo(FinishReason.EOS);
            assertThat(r.text()).isEqualTo(model.tokenizer().decode(new int[] {hello, hello}, true));
        }
    }

    /**
     * tiny-glm4-chat (GLM-4's tiktoken tokenizer.model, ChatGLM4Tokenizer): messages go through its
     * tokenizer_config.json chat template like apply_chat_template; build_chat_input (the same
     * per-message scheme with <sop>) is available too; stops at <|endoftext|>, <|user|>, <|observation|>.
     */
    @Test
    void glm4sOriginalFolderUsesItsTemplateAndKnowsBuildChatInput() {
        LoadedModel glm4 = TestModels.model("tiny-glm4-chat");
        JsonNode chats = TestModels.readJson(TestModels.root().resolve("fixtures/golden/glm4-tiktoken.json"))
                .get("chats");
        var buildChatInput = ChatGlmChat.builtInIds(glm4.config(), glm4.tokenizer()).orElseThrow();
        for (JsonNode c : chats) {
            List<ChatMessage> messages = messages(c.get("messages"));
            assertThat(glm4.encodeChat(messages, true)).containsExactly(TestModels.ints(c.get("template_ids")));
            assertThat(buildChatInput.encode(messages, true))
                    .containsExactly(TestModels.ints(c.get("build_chat_input_ids")));
        }
        assertThat(glm4.generationDefaults().eosTokenIds()).isEqualTo(Set.of(3000, 3007, 3009));
    }
}
