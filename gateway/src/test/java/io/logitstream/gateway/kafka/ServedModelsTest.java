package io.logitstream.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServedModelsTest {

    @Test
    void requestTopicsReadBackAsModelNames() {
        List<String> topics = List.of("llm.prompts", "llm.results", "llm.requests.tiny-gpt2",
                "llm.requests.Qwen_Qwen2-0.5B", "llm.requests.my__model", "llm.requests.bad___name");

        assertThat(ServedModels.modelsOf(topics, "llm.requests."))
                .containsExactly("Qwen/Qwen2-0.5B", "my_model", "tiny-gpt2");
    }
}
