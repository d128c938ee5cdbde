package io.logitstream.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CompletionMapperTest {

    private final AtomicInteger ids = new AtomicInteger();
    private final CompletionMapper mapper = new CompletionMapper(() -> "r" + ids.incrementAndGet());

    private CompletionPlan map(String json) {
        return mapper.map(Json.parseObject(json.getBytes()));
    }

    @Test
    void maxTokensZeroWithEchoScoresThePrompt() {
        CompletionPlan plan = map("{\"model\": \"m\", \"prompt\": \"Hello world\", \"max_tokens\": 0, \"echo\": true,"
                + " \"logprobs\": 3}");

        assertThat(plan.requests()).hasSize(1);
        PromptRequest score = plan.prompts().get(0).score();
        assertThat(score.getTask()).isEqualTo(Task.SCORE);
        assertThat(score.getText()).isEqualTo("Hello world");
        assertThat(score.getTopLogprobs()).isEqualTo(3);
        assertThat(score.getModel()).isEqualTo("m");
        assertThat(plan.prompts().get(0).generations()).isEmpty();
        assertThat(plan.echo()).isTrue();
        assertThat(plan.logprobs()).isEqualTo(3);
    }

    @Test
    void lmEvalsLoglikelihoodBatchScoresEachPromptAndGeneratesOneGreedyToken() {
        CompletionPlan plan = map("{\"model\": \"m\", \"prompt\": [[1, 2, 3], [4, 5]], \"max_tokens\": 1,"
                + " \"temperature\": 0, \"logprobs\": 1, \"seed\": 1234, \"echo\": true}");

        assertThat(plan.prompts()).hasSize(2);
        var second = plan.prompts().get(1);
        assertThat(second.score().getInputIds()).containsExactly(4, 5);
        assertThat(second.score().getTopLogprobs()).isEqualTo(1);
        PromptRequest generate = second.generations().get(0);
        assertThat(generate.getTask()).isEqualTo(Task.GENERATE);
        assertThat(generate.getInputIds()).containsExactly(4, 5);
        assertThat(generate.getTopLogprobs()).isEqualTo(1);
        assertThat(generate.getGeneration().getMaxNewTokens()).isEqualTo(1);
        assertThat(generate.getGeneration().getDoSample()).isFalse();
        assertThat(generate.getGeneration().getTemperature()).isNull();
        assertThat(generate.getGeneration().getStream()).as("nobody follows its tokens").isFalse();
        assertThat(plan.requests()).extracting(PromptRequest::getRequestId).doesNotHaveDuplicates().hasSize(4);
    }

    @Test
    void generationWithoutEchoSendsOnlyGenerations() {
        CompletionPlan plan = map("{\"model\": \"m\", \"prompt\": [\"a\", \"b\"], \"n\": 2, \"temperature\": 0.7,"
                + " \"top_p\": 0.9, \"seed\": 5, \"stop\": \"\\n\", \"logit_bias\": {\"50256\": -100}}");

        assertThat(plan.requests()).hasSize(4).allMatch(r -> r.getTask() == Task.GENERATE);
        var choices = plan.prompts().get(0).generations();
        assertThat(choices).extracting(r -> r.getGeneration().getSeed()).containsExactly(5L, 6L);
        var params = choices.get(0).getGeneration();
        assertThat(params.getDoSample()).isTrue();
        assertThat(params.getTemperature()).isEqualTo(0.7f);
        assertThat(params.getTopP()).isEqualTo(0.9f);
        assertThat(params.getStop()).containsExactly("\n");
        assertThat(params.getLogitBias()).containsEntry("50256", -100f);
        assertThat(params.getMaxNewTokens()).isEqualTo(CompletionMapper.DEFAULT_MAX_TOKENS);
        assertThat(choices.get(0).getTopLogprobs()).isNull();
    }

    @Test
    void echoOfTokenIdsScoresThePromptForItsText() {
        CompletionPlan plan = map("{\"model\": \"m\", \"prompt\": [7, 8], \"max_tokens\": 2, \"echo\": true}");

        assertThat(plan.prompts().get(0).score()).isNotNull();
        assertThat(plan.prompts().get(0).score().getTopLogprobs()).isNull();
        assertThat(map("{\"model\": \"m\", \"prompt\": \"x\", \"max_tokens\": 2, \"echo\": true}").prompts().get(0)
                .score()).as("text echoes itself").isNull();
    }

    @Test
    void extraFieldsTagTheRequests() {
        CompletionPlan plan = map("{\"model\": \"m\", \"prompt\": \"x\", \"run_id\": \"eval-1\","
                + " \"prefix_key\": \"mmlu\", \"session_id\": \"s\"}");

        PromptRequest request = plan.requests().get(0);
        assertThat(List.of(request.getRunId(), request.getPrefixKey(), request.getSessionId()))
                .containsExactly("eval-1", "mmlu", "s");
    }

    @Test
    void malformedOrUnsupportedRequestsAre400sNamingTheField() {
        assertThatThrownBy(() -> map("{\"prompt\": \"x\"}")).hasMessageContaining("'model' is required");
        assertThatThrownBy(() -> map("{\"model\": \"m\"}")).hasMessageContaining("'prompt' is required");
        assertThatThrownBy(() -> map("{\"model\": \"m\", \"prompt\": \"x\", \"n\": \"2\"}"))
                .hasMessageContaining("'n' must be an integer");
        assertThatThrownBy(() -> map("{\"model\": \"m\", \"prompt\": [[1, -2]]}")).hasMessageContaining("non-negative");
        assertThatThrownBy(() -> map("{\"model\": \"m\", \"prompt\": \"x\", \"presence_penalty\": 1}"))
                .hasMessageContaining("presence_penalty");
        assertThatThrownBy(() -> map("{\"model\": \"m\", \"prompt\": \"x\", \"stream\": true, \"echo\": true}"))
                .hasMessageContaining("stream");
        assertThatThrownBy(() -> map("{\"model\": \"m\", \"prompt\": \"x\", \"max_tokens\": -1}"))
                .hasMessageContaining("at least 0");
        assertThatThrownBy(() -> map("[1]")).isInstanceOf(ApiError.class)
                .satisfies(e -> assertThat(((ApiError) e).status()).isEqualTo(400));
        assertThatThrownBy(() -> map("{not json")).hasMessageContaining("not valid JSON");
    }
}
