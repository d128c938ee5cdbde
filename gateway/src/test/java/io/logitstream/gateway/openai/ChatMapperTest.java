package io.logitstream.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.logitstream.schema.ChatMessage;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import org.junit.jupiter.api.Test;

class ChatMapperTest {

    private final ChatMapper mapper = new ChatMapper(() -> "r" + System.nanoTime());

    private ChatPlan map(String json) {
        return mapper.map(Json.parseObject(json.getBytes()));
    }

    @Test
    void messagesBecomeAGenerateWithTheChatTemplate() {
        ChatPlan plan = map("{\"model\": \"m\", \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                + " {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"Hi\"},"
                + " {\"type\": \"text\", \"text\": \"there\"}]}], \"max_completion_tokens\": 5, \"max_tokens\": 9,"
                + " \"logprobs\": true, \"top_logprobs\": 2, \"stream\": true,"
                + " \"stream_options\": {\"include_usage\": true}}");

        PromptRequest request = plan.choices().get(0);
        assertThat(request.getTask()).isEqualTo(Task.GENERATE);
        assertThat(request.getMessages()).containsExactly(new ChatMessage("system", "Be brief."),
                new ChatMessage("user", "Hi\nthere"));
        assertThat(request.getAddGenerationPrompt()).isTrue();
        assertThat(request.getGeneration().getMaxNewTokens()).as("max_completion_tokens wins").isEqualTo(5);
        assertThat(request.getGeneration().getStream()).isTrue();
        assertThat(request.getTopLogprobs()).isEqualTo(2);
        assertThat(plan.logprobs()).isTrue();
        assertThat(plan.stream()).isTrue();
        assertThat(plan.includeUsage()).isTrue();
    }

    @Test
    void withoutMaxTokensTheModelsDefaultApplies() {
        ChatPlan plan = map("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"n\": 3}");

        assertThat(plan.choices()).hasSize(3);
        assertThat(plan.choices().get(0).getGeneration().getMaxNewTokens()).isNull();
        assertThat(plan.choices().get(0).getTopLogprobs()).isNull();
        assertThat(plan.logprobs()).isFalse();
    }

    @Test
    void whatTheWorkersDoNotDoIsRefused() {
        assertThatThrownBy(() -> map("{\"model\": \"m\", \"messages\": []}")).hasMessageContaining("'messages'");
        assertThatThrownBy(() -> map("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
                + " \"tools\": []}")).hasMessageContaining("'tools' is not supported");
        assertThatThrownBy(() -> map("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
                + " \"top_logprobs\": 2}")).hasMessageContaining("needs 'logprobs'");
        assertThatThrownBy(() -> map("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\":"
                + " [{\"type\": \"input_audio\"}]}]}")).hasMessageContaining("'input_audio' is not supported");
        assertThatThrownBy(() -> map("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
                + " \"response_format\": {\"type\": \"json_object\"}}")).hasMessageContaining("response_format");
    }
}
