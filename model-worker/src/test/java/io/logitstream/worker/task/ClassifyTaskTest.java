package io.logitstream.worker.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.ChatMessage;
import io.logitstream.schema.ClassificationOutput;
import io.logitstream.schema.LabelScore;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CLASSIFY through the router and the continuous batcher on the classification fixtures, against
 * transformers' pooled logits (fixtures/golden/tiny-*-cls.json, tiny-llama-reward.json); and the
 * error results for tasks the loaded head cannot answer.
 */
class ClassifyTaskTest {
    private static final double TOL = 1e-5;

    static Stream<String> fixtures() {
        return Stream.of("tiny-qwen2-cls", "tiny-qwen2-moe-cls", "tiny-llama-reward", "tiny-gpt2-cls");
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void everySingleRowCaseInOneRunningBatchMatchesTransformers(String name) {
        LoadedModel model = TestModels.model(name);
        JsonNode golden = TestModels.golden(name);
        TaskRouter router = new TaskRouter(model, "test-worker");
        List<JsonNode> cases = new ArrayList<>();
        List<WorkItem> items = new ArrayList<>();
        for (JsonNode c : golden.get("cases")) {
            if (c.get("input_ids").size() == 1) {
                cases.add(c);
                items.add(item(request(model, Task.CLASSIFY).setInputIds(ints(c.get("input_ids").get(0))).build()));
            }
        }
        List<ScoringResult> results = router.handle(items, TokenSink.DISCARD);
        for (int i = 0; i < cases.size(); i++) {
            assertMatches(name + " " + cases.get(i).get("name").asText(), results.get(i), golden, cases.get(i), 0);
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void textIsTokenizedLikeTransformers(String name) {
        LoadedModel model = TestModels.model(name);
        JsonNode golden = TestModels.golden(name);
        JsonNode c = TestModels.goldenCase(golden, "text_0");
        ScoringResult r = new TaskRouter(model, "w").handle(item(request(model, Task.CLASSIFY)
                .setText(c.get("text").asText()).build()), TokenSink.DISCARD);
        assertThat(r.getInputIds()).containsExactlyElementsOf(ints(c.get("input_ids").get(0)));
        assertMatches(name, r, golden, c, 0);
    }

    @Test
    void aRewardModelScoresAWholeConversationRenderedWithItsChatTemplate() {
        LoadedModel model = TestModels.model("tiny-llama-reward");
        JsonNode golden = TestModels.golden("tiny-llama-reward");
        List<ChatMessage> messages = new ArrayList<>();
        golden.get("messages").forEach(m -> messages.add(new ChatMessage(m.get("role").asText(),
                m.get("content").asText())));
        ScoringResult r = new TaskRouter(model, "w").handle(item(request(model, Task.CLASSIFY)
                .setMessages(messages).build()), TokenSink.DISCARD);
        JsonNode c = TestModels.goldenCase(golden, "chat");
        assertThat(r.getInputIds()).as("no generation prompt appended")
                .containsExactlyElementsOf(ints(c.get("input_ids").get(0)));
        assertMatches("chat", r, golden, c, 0);
        assertThat(r.getClassification().getReward()).isCloseTo((float) c.get("logits").get(0).get(0).asDouble(),
                within((float) TOL));
        assertThat(r.getClassification().getProblemType()).isEqualTo("regression");
        assertThat(r.getClassification().getLabels().get(0).getProbability()).isNull();
        assertThat(r.getUsage().getPromptTokens()).isEqualTo(c.get("input_ids").get(0).size());
    }

    @Test
    void aClassificationReusesTheKeysOfAnEarlierSequenceThatSharesItsPrefixAndGetsTheSameLogits() {
        LoadedModel model = TestModels.model("tiny-qwen2-cls");
        JsonNode golden = TestModels.golden("tiny-qwen2-cls");
        List<Integer> longer = ints(TestModels.goldenCase(golden, "text_2").get("input_ids").get(0));
        List<Integer> shorter = longer.subList(0, 12);
        TaskRouter router = new TaskRouter(model, "w");
        List<ScoringResult> together = router.handle(List.of(
                item(request(model, Task.CLASSIFY).setInputIds(shorter).build()),
                item(request(model, Task.CLASSIFY).setInputIds(longer).build())), TokenSink.DISCARD);
        ScoringResult alone = router.handle(item(request(model, Task.CLASSIFY).setInputIds(longer).build()),
                TokenSink.DISCARD);
        assertThat(together.get(1).getUsage().getCachedTokens()).as("the shared 12 tokens' keys are reused")
                .isGreaterThanOrEqualTo(11);
        assertThat(together.get(1).getUsage().getComputedTokens()).isLessThan(longer.size());
        for (int l = 0; l < 3; l++) {
            assertThat(together.get(1).getClassification().getLabels().get(l).getLogit())
                    .isCloseTo(alone.getClassification().getLabels().get(l).getLogit(), within((float) TOL));
        }
    }

    @Test
    void languageModelTasksOnAClassifierAreUnsupported() {
        LoadedModel model = TestModels.model("tiny-qwen2-cls");
        TaskRouter router = new TaskRouter(model, "w");
        for (Task task : List.of(Task.SCORE, Task.CHOICE, Task.TEACHER, Task.GENERATE)) {
            PromptRequest.Builder b = request(model, task).setText("Hello world");
            if (task == Task.CHOICE) {
                b.setChoices(List.of(" A", " B"));
            }
            ScoringResult r = router.handle(item(b.build()), TokenSink.DISCARD);
            assertThat(r.getStatus()).as(task.name()).isEqualTo(ResultStatus.ERROR);
            assertThat(r.getError().getCode()).isEqualTo(ErrorCodes.UNSUPPORTED);
            assertThat(r.getError().getMessage()).contains(task.name() + " needs a language-model head")
                    .contains("Qwen2ForSequenceClassification").contains("3 labels").contains("CLASSIFY");
            assertThat(r.getClassification()).isNull();
        }
    }

    @Test
    void classifyOnACausalLmIsUnsupported() {
        LoadedModel model = TestModels.tinyGpt2();
        ScoringResult r = new TaskRouter(model, "w").handle(item(request(model, Task.CLASSIFY).setText("Hi").build()),
                TokenSink.DISCARD);
        assertThat(r.getStatus()).isEqualTo(ResultStatus.ERROR);
        assertThat(r.getError().getCode()).isEqualTo(ErrorCodes.UNSUPPORTED);
        assertThat(r.getError().getMessage()).contains("CLASSIFY needs a sequence-classification or reward model")
                .contains("causal LM");
    }

    static void assertMatches(String what, ScoringResult r, JsonNode golden, JsonNode c, int row) {
        assertThat(r.getStatus()).as(what + " " + r.getError()).isEqualTo(ResultStatus.OK);
        assertThat(r.getTask()).isEqualTo(Task.CLASSIFY);
        ClassificationOutput out = r.getClassification();
        assertThat(out.getPooledIndex()).as(what).isEqualTo(c.get("pooled_index").get(row).asInt());
        JsonNode want = c.get("logits").get(row);
        List<LabelScore> labels = out.getLabels();
        assertThat(labels).hasSize(want.size());
        double[] expectedProbabilities = softmax(want);
        int best = 0;
        for (int l = 0; l < want.size(); l++) {
            LabelScore s = labels.get(l);
            assertThat(s.getIndex()).isEqualTo(l);
            assertThat(s.getLabel()).isEqualTo(golden.get("labels").get(l).asText());
            assertThat((double) s.getLogit()).as(what + " label " + l).isCloseTo(want.get(l).asDouble(), within(TOL));
            if (want.size() > 1) {
                assertThat(s.getProbability()).as(what + " p " + l).isCloseTo(expectedProbabilities[l], within(TOL));
            }
            best = want.get(l).asDouble() > want.get(best).asDouble() ? l : best;
        }
        assertThat(out.getBestIndex()).isEqualTo(best);
        assertThat(out.getBestLabel()).isEqualTo(golden.get("labels").get(best).asText());
        assertThat(out.getReward() == null).isEqualTo(want.size() > 1);
    }

    private static double[] softmax(JsonNode logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (JsonNode l : logits) {
            max = Math.max(max, l.asDouble());
        }
        double[] p = new double[logits.size()];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits.get(i).asDouble() - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asInt()));
        return out;
    }

    private static PromptRequest.Builder request(LoadedModel model, Task task) {
        return PromptRequest.newBuilder().setRequestId("r-" + System.nanoTime()).setModel(model.name()).setTask(task);
    }

    private static WorkItem item(PromptRequest request) {
        long now = System.currentTimeMillis();
        return new WorkItem(request, now, now);
    }
}
