package io.logitstream.worker.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {

    private static List<ChatMessage> goldenMessages() {
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : TestModels.tinyGpt2Golden().at("/chat/messages")) {
            messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
        }
        return messages;
    }

    @Test
    void rendersAndEncodesLikeApplyChatTemplate() {
        JsonNode chat = TestModels.tinyGpt2Golden().get("chat");
        LoadedModel m = TestModels.tinyGpt2();
        assertThat(m.renderChat(goldenMessages(), true)).isEqualTo(chat.get("rendered").asText());
        assertThat(m.encodeChat(goldenMessages(), true)).containsExactly(TestModels.ints(chat.get("input_ids")));
    }

    @Test
    void supportsSpecialTokenVariablesTrimmingAndRaiseException() throws Exception {
        JsonNode config = new ObjectMapper().readTree("{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"</s>\","
                + "\"chat_template\": \"{{ bos_token }}{% for m in messages %}\\n"
                + "{% if m['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}\\n"
                + "[{{ m['role'] | upper }}] {{ m['content'] | trim }}{{ eos_token }}\\n"
                + "{% endfor %}{% if add_generation_prompt %}[ASSISTANT]{% endif %}\"}");
        ChatTemplate t = ChatTemplate.from(config).orElseThrow();
        assertThat(t.render(List.of(new ChatMessage("user", " hi "), new ChatMessage("assistant", "yo")), true))
                .isEqualTo("<s>[USER] hi</s>\n[ASSISTANT] yo</s>\n[ASSISTANT]");
        assertThatThrownBy(() -> t.render(List.of(new ChatMessage("system", "x")), false))
                .isInstanceOf(TokenizerException.class)
                .hasMessageContaining("System role not supported");
    }

    @Test
    void namedTemplatesPickDefaultAndMissingTemplateIsEmpty() throws Exception {
        JsonNode config = new ObjectMapper().readTree("{\"chat_template\": ["
                + "{\"name\": \"tool_use\", \"template\": \"T\"}, {\"name\": \"default\", \"template\": \"D\"}]}");
        assertThat(ChatTemplate.from(config).orElseThrow().template()).isEqualTo("D");
        assertThat(ChatTemplate.from(new ObjectMapper().readTree("{}"))).isEmpty();
    }
}
