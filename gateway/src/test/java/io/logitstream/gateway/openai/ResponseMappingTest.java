package io.logitstream.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.schema.GenerationOutput;
import io.logitstream.schema.Provenance;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoreOutput;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.TokenChunk;
import io.logitstream.schema.TopLogprobs;
import io.logitstream.schema.Usage;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Results to OpenAI's answers, on hand-made results. */
class ResponseMappingTest {

    private static final String ECHO_REQUEST = "{\"model\": \"m\", \"prompt\": \"A b c\", \"max_tokens\": 1,"
            + " \"echo\": true, \"logprobs\": 2}";

    @Test
    void echoWithLogprobsJoinsThePromptScoreAndTheGeneratedTokens() {
        CompletionPlan plan = new CompletionMapper(ids("score", "gen")).map(Json.parseObject(ECHO_REQUEST.getBytes()));
        Map<String, ScoringResult> results = Map.of("score", score("score"), "gen", generation("gen"));

        ObjectNode answer = CompletionResponse.build(plan, results, "cmpl-1", 1_700_000_000L);

        assertThat(answer.path("object").asText()).isEqualTo("text_completion");
        assertThat(answer.path("system_fingerprint").asText()).isEqualTo("sha256:abc");
        JsonNode choice = answer.path("choices").get(0);
        assertThat(choice.path("text").asText()).isEqualTo("A b c d");
        assertThat(choice.path("finish_reason").asText()).as("eos is OpenAI's stop").isEqualTo("stop");
        JsonNode logprobs = choice.path("logprobs");
        assertThat(strings(logprobs.path("tokens"))).containsExactly("A", " b", " c", " d");
        assertThat(logprobs.path("token_logprobs").get(0).isNull()).isTrue();
        assertThat(logprobs.path("token_logprobs").get(3).floatValue()).isEqualTo(-0.25f);
        assertThat(logprobs.path("top_logprobs").get(0).isNull()).isTrue();
        JsonNode second = logprobs.path("top_logprobs").get(1);
        assertThat(second.path("token_id:7").floatValue()).as("an id the answer has no string for").isEqualTo(-0.5f);
        assertThat(second.path(" b").floatValue()).as("the token itself, though not in the top 2").isEqualTo(-3f);
        assertThat(fields(second)).as("most likely first").containsExactly("token_id:7", " c", " b");
        assertThat(logprobs.path("top_logprobs").get(3).path(" d").floatValue()).isEqualTo(-0.25f);
        assertThat(ints(logprobs.path("text_offset"))).containsExactly(0, 1, 3, 5);
        JsonNode usage = answer.path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).as("the prompt counted once").isEqualTo(3);
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(1);
        assertThat(usage.path("total_tokens").asInt()).isEqualTo(4);
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(2);
    }

    @Test
    void withoutTokenStringsTokensAreSpelledByTheirIdsAndATokenIdPromptEchoesNothing() {
        CompletionPlan plan = new CompletionMapper(ids("score")).map(Json.parseObject(
                "{\"model\": \"m\", \"prompt\": [5, 8, 9], \"max_tokens\": 0, \"echo\": true, \"logprobs\": 0}"
                        .getBytes()));
        ScoringResult score = score("score");
        score.getScore().setTokens(null);

        JsonNode choice = CompletionResponse.build(plan, Map.of("score", score), "c", 0).path("choices").get(0);

        assertThat(strings(choice.path("logprobs").path("tokens"))).containsExactly("token_id:5", "token_id:8",
                "token_id:9");
        assertThat(choice.path("text").asText()).isEmpty();
        assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void alternativesWhoseStringsCollideAreSpelledByTheirIds() {
        TokenLabels labels = new TokenLabels();
        labels.learn(30, "\uFFFD");
        TokenPosition position = new TokenPosition(31, "\uFFFD", -1f,
                List.of(new TokenPosition.Alternative(30, -0.5f), new TokenPosition.Alternative(31, -1f)));

        assertThat(LogprobsJson.topEntries(position, labels)).containsExactly(Map.entry("token_id:30", -0.5f),
                Map.entry("\uFFFD", -1f));
    }

    @Test
    void chatAnswersCarryTheMessageAndPerTokenLogprobs() {
        ChatPlan plan = new ChatMapper(ids("gen")).map(Json.parseObject(("{\"model\": \"m\", \"messages\": [{\"role\":"
                + " \"user\", \"content\": \"Hi\"}], \"logprobs\": true, \"top_logprobs\": 1}").getBytes()));

        ObjectNode answer = ChatResponse.build(plan, Map.of("gen", generation("gen")), "chatcmpl-1", 0);

        JsonNode choice = answer.path("choices").get(0);
        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText()).isEqualTo(" d");
        JsonNode token = choice.path("logprobs").path("content").get(0);
        assertThat(token.path("token").asText()).isEqualTo(" d");
        assertThat(token.path("logprob").floatValue()).isEqualTo(-0.25f);
        assertThat(ints(token.path("bytes"))).containsExactly(32, 100);
        assertThat(token.path("top_logprobs").get(0).path("token").asText()).isEqualTo(" d");
        assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void streamedChatChunksOpenWithTheRoleAndEndWithTheFinishReasonAndUsage() {
        ChatPlan plan = new ChatMapper(ids("gen")).map(Json.parseObject(("{\"model\": \"m\", \"messages\": [{\"role\":"
                + " \"user\", \"content\": \"Hi\"}], \"stream\": true}").getBytes()));
        StreamChunks chunks = StreamChunks.chat(plan, "chatcmpl-1", 0);
        TokenChunk chunk = TokenChunk.newBuilder().setRequestId("gen").setModel("m").setSeq(0)
                .setTokenIds(List.of(10)).setText(" d").setLogprob(-0.25f).build();

        assertThat(chunks.opening(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        JsonNode delta = chunks.delta(0, chunk);
        assertThat(delta.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(delta.path("choices").get(0).path("delta").path("content").asText()).isEqualTo(" d");
        assertThat(delta.path("choices").get(0).path("logprobs").isNull()).as("not asked for").isTrue();
        assertThat(chunks.finish(0, "length").path("choices").get(0).path("finish_reason").asText())
                .isEqualTo("length");
        JsonNode usage = chunks.usage(List.of(generation("gen")));
        assertThat(usage.path("choices")).isEmpty();
        assertThat(usage.path("usage").path("completion_tokens").asInt()).isEqualTo(1);
    }

    @Test
    void streamedCompletionChunksCarryTheTextItself() {
        CompletionPlan plan = new CompletionMapper(ids("gen")).map(Json.parseObject(
                "{\"model\": \"m\", \"prompt\": \"x\", \"stream\": true}".getBytes()));
        StreamChunks chunks = StreamChunks.completion(plan, "cmpl-1", 0);

        assertThat(chunks.opening(0)).isNull();
        assertThat(chunks.rest(0, "tail").path("choices").get(0).path("text").asText()).isEqualTo("tail");
        assertThat(chunks.finish(0, "stop").path("object").asText()).isEqualTo("text_completion");
    }

    /** "A b c" scored: input ids 5 8 9, logprobs null -3 -2, top-2 alternatives. */
    private static ScoringResult score(String id) {
        ScoreOutput score = ScoreOutput.newBuilder()
                .setTokenLogprobs(Arrays.asList(null, -3f, -2f))
                .setTopLogprobs(Arrays.asList(null, top(List.of(7, 9), List.of(-0.5f, -1f)),
                        top(List.of(9, 11), List.of(-2f, -2.5f))))
                .setTokens(List.of("A", " b", " c"))
                .setSumLogprob(-5).setMeanNll(2.5).setPerplexity(12.2).setNumScoredTokens(2).build();
        return result(id, Task.SCORE).setScore(score).setUsage(new Usage(3, 0, 2, 1)).build();
    }

    /** " d" generated after "A b c", stopped by end of sequence. */
    private static ScoringResult generation(String id) {
        GenerationOutput generation = GenerationOutput.newBuilder().setText(" d").setNewIds(List.of(10))
                .setTokenLogprobs(List.of(-0.25f)).setTopLogprobs(List.of(top(List.of(10), List.of(-0.25f))))
                .setTokens(List.of(" d")).setFinishReason("eos").setPromptTokens(3).setCompletionTokens(1).build();
        return result(id, Task.GENERATE).setGeneration(generation).setUsage(new Usage(3, 1, 2, 2)).build();
    }

    private static ScoringResult.Builder result(String id, Task task) {
        return ScoringResult.newBuilder().setRequestId(id).setModel("m").setTask(task).setStatus(ResultStatus.OK)
                .setInputIds(List.of(5, 8, 9)).setProvenance(Provenance.newBuilder().setModelName("m")
                        .setModelFingerprint("sha256:abc").setEngineVersion("x").setWorkerId("w").setDevice("cpu")
                        .setParameters(Map.of()).build());
    }

    private static TopLogprobs top(List<Integer> ids, List<Float> logprobs) {
        return new TopLogprobs(ids, logprobs);
    }

    private static java.util.function.Supplier<String> ids(String... sequence) {
        var it = List.of(sequence).iterator();
        return it::next;
    }

    private static List<String> strings(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static List<Integer> ints(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asInt).toList();
    }

    private static List<String> fields(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
