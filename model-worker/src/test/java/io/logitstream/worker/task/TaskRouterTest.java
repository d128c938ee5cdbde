package io.logitstream.worker.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.ChatMessage;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.TeacherParams;
import io.logitstream.schema.TokenChunk;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tasks on the real tiny GPT-2, checked against transformers' golden outputs. */
class TaskRouterTest {

    private static LoadedModel model;
    private static JsonNode golden;
    private static TaskRouter router;

    @BeforeAll
    static void load() throws Exception {
        model = TestModels.tinyGpt2();
        golden = TestModels.tinyGpt2Golden();
        router = new TaskRouter(model, "test-worker");
    }

    @Test
    void scoreOfAContinuationMatchesTheGoldenLogprobsOfThoseTokens() {
        JsonNode c = golden.path("cases").get(0); // "Hello world, this is a tiny test."
        ScoringResult r = run(request(Task.SCORE).setText("Hello world,").setContinuation(" this is a tiny test."));

        assertThat(r.getStatus()).isEqualTo(ResultStatus.OK);
        int promptLength = r.getInputIds().size();
        List<Integer> all = new ArrayList<>(r.getInputIds());
        all.addAll(r.getScore().getContinuationIds());
        assertThat(all).containsExactlyElementsOf(ints(c.path("input_ids")));
        assertThat(r.getScore().getScoredFrom()).isEqualTo(promptLength);
        double sum = 0;
        for (int t = promptLength; t < all.size(); t++) {
            double expected = c.path("token_logprobs").get(t).asDouble();
            assertThat((double) r.getScore().getTokenLogprobs().get(t - promptLength)).isCloseTo(expected, within(1e-4));
            sum += expected;
        }
        assertThat(r.getScore().getSumLogprob()).isCloseTo(sum, within(1e-4));
        assertThat(r.getScore().getIsGreedy()).isFalse();
    }

    @Test
    void scoresAndGenerationsCarryTheirTokensAsStrings() {
        ScoringResult input = run(request(Task.SCORE).setText("Hello world, this is a tiny test."));
        ScoringResult continuation = run(request(Task.SCORE).setText("Hello world,").setContinuation(" this is"));
        ScoringResult generated = run(request(Task.GENERATE).setText("Hello")
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(6).build()));

        assertThat(input.getScore().getTokens()).as("one string per scored position, the first included")
                .hasSameSizeAs(input.getScore().getTokenLogprobs());
        assertThat(String.join("", input.getScore().getTokens())).isEqualTo("Hello world, this is a tiny test.");
        assertThat(continuation.getScore().getTokens()).containsExactly(" this", " is");
        List<Integer> newIds = generated.getGeneration().getNewIds();
        assertThat(generated.getGeneration().getTokens())
                .containsExactlyElementsOf(newIds.stream().map(id -> model.tokenizer().tokenText(id)).toList());
    }

    @Test
    void choiceGivesNormalizedProbabilitiesConsistentWithScoring() {
        ScoringResult r = run(request(Task.CHOICE).setText("Hello world,").setChoices(List.of(" this", " that is"))
                .setGoldIndex(0));
        var choice = r.getChoice();
        ScoringResult single = run(request(Task.SCORE).setText("Hello world,").setContinuation(" that is"));

        assertThat(choice.getCandidates()).hasSize(2);
        assertThat(choice.getCandidates().get(0).getProbability() + choice.getCandidates().get(1).getProbability())
                .isCloseTo(1.0, within(1e-9));
        assertThat(choice.getCandidates().get(1).getLogprob()).isCloseTo(single.getScore().getSumLogprob(), within(1e-4));
        assertThat(choice.getCandidates().get(1).getLogprobPerToken())
                .isCloseTo(single.getScore().getSumLogprob() / 2, within(1e-4));
        assertThat(choice.getCorrect()).isEqualTo(choice.getBestIndex() == 0);
    }

    @Test
    void teacherTopLogitsMatchTransformers() {
        JsonNode c = golden.path("cases").get(0);
        ScoringResult r = run(request(Task.TEACHER).setText(c.path("text").asText())
                .setTeacher(TeacherParams.newBuilder().setTopK(5).build()));

        var teacher = r.getTeacher();
        assertThat(teacher.getVocabSize()).isEqualTo(50257);
        for (int t = 0; t < c.path("input_ids").size(); t++) {
            assertThat(teacher.getTopIds().get(t)).containsExactlyElementsOf(ints(c.path("top_ids").get(t)).subList(0, 5));
            for (int q = 0; q < 5; q++) {
                assertThat((double) teacher.getTopLogits().get(t).get(q))
                        .isCloseTo(c.path("top_logits").get(t).get(q).asDouble(), within(1e-4));
            }
        }
    }

    @Test
    void teacherFullVocabularyIsFloat16OfTheLogits() {
        JsonNode c = golden.path("cases").get(0);
        ScoringResult r = run(request(Task.TEACHER).setText("Hello world")
                .setTeacher(TeacherParams.newBuilder().setFullVocab(true).build()));

        ByteBuffer bytes = r.getTeacher().getFullLogitsF16().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.remaining()).isEqualTo(2 * 2 * 50257);
        int topId = c.path("top_ids").get(0).get(0).asInt(); // same first token "Hello"
        float top = halfToFloat(bytes.getShort(topId * 2));
        assertThat((double) top).isCloseTo(c.path("top_logits").get(0).get(0).asDouble(), within(1e-2));
    }

    @Test
    void teacherFullVocabularyTooLargeForOneMessageIsAnError() {
        String longText = golden.path("cases").get(1).path("text").asText(); // 40 tokens: 4 MB of float16
        ScoringResult r = run(request(Task.TEACHER).setText(longText)
                .setTeacher(TeacherParams.newBuilder().setFullVocab(true).build()));

        assertThat(r.getError().getCode()).isEqualTo(ErrorCodes.UNSUPPORTED);
        assertThat(r.getError().getMessage()).contains("teacher.top_k");
    }

    @Test
    void generationStreamsTokensThatReassembleIntoTheText() {
        JsonNode c = golden.path("cases").get(0);
        List<TokenChunk> chunks = new ArrayList<>();
        ScoringResult r = router.handle(item(request(Task.GENERATE).setText(c.path("text").asText())
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(8).build()).build()), chunks::add);

        assertThat(r.getGeneration().getNewIds()).containsExactlyElementsOf(ints(c.path("greedy_new_ids")));
        assertThat(r.getGeneration().getText()).isEqualTo(c.path("greedy_text").asText());
        assertThat(chunks).extracting(TokenChunk::getSeq).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(String.join("", chunks.stream().map(TokenChunk::getText).toList()))
                .isEqualTo(r.getGeneration().getText());
        assertThat(r.getProvenance().getParameters()).containsEntry("max_new_tokens", "8")
                .containsEntry("do_sample", "false");
    }

    @Test
    void stopStringEndsGenerationAndIsCutFromTextAndStream() {
        JsonNode c = golden.path("cases").get(0); // greedy text " Torontoⓘ magazineszb Bav ..."
        List<TokenChunk> chunks = new ArrayList<>();
        ScoringResult r = router.handle(item(request(Task.GENERATE).setText(c.path("text").asText())
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(8).setStop(List.of(" magazines")).build())
                .build()), chunks::add);

        assertThat(r.getGeneration().getText()).isEqualTo(" Torontoⓘ");
        assertThat(r.getGeneration().getFinishReason()).isEqualTo("stop");
        assertThat(String.join("", chunks.stream().map(TokenChunk::getText).toList())).isEqualTo(" Torontoⓘ");
        assertThat(chunks.get(chunks.size() - 1).getIsFinal()).isTrue();
    }

    @Test
    void seededSamplingIsReproducible() {
        GenerationParams params = GenerationParams.newBuilder().setMaxNewTokens(12).setDoSample(true)
                .setTemperature(1.5f).setTopP(0.95f).setSeed(42L).build();
        ScoringResult a = run(request(Task.GENERATE).setText("Once upon a time").setGeneration(params));
        ScoringResult b = run(request(Task.GENERATE).setText("Once upon a time").setGeneration(params));
        params.setSeed(7L);
        ScoringResult other = run(request(Task.GENERATE).setText("Once upon a time").setGeneration(params));

        assertThat(a.getGeneration().getNewIds()).isEqualTo(b.getGeneration().getNewIds());
        assertThat(other.getGeneration().getNewIds()).isNotEqualTo(a.getGeneration().getNewIds());
        assertThat(a.getProvenance().getSeed()).isEqualTo(42L);
    }

    @Test
    void chatMessagesAreRenderedWithTheChatTemplate() {
        JsonNode chat = golden.path("chat");
        List<ChatMessage> messages = new ArrayList<>();
        chat.path("messages").forEach(m -> messages.add(new ChatMessage(m.path("role").asText(), m.path("content").asText())));
        ScoringResult r = run(request(Task.GENERATE).setMessages(messages)
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(8).build()));

        assertThat(r.getInputIds()).containsExactlyElementsOf(ints(chat.path("input_ids")));
        assertThat(r.getGeneration().getNewIds()).containsExactlyElementsOf(ints(chat.path("greedy_new_ids")));
    }

    @Test
    void aPolledBatchIsAnsweredInOrderAndBatchedScoresEqualSingleOnes() {
        JsonNode cases = golden.path("cases");
        List<PromptRequest> requests = List.of(
                request(Task.SCORE).setText(cases.get(0).path("text").asText()).setTopLogprobs(5).build(),
                request(Task.GENERATE).setText("Hi").setGeneration(GenerationParams.newBuilder().setMaxNewTokens(2).build())
                        .build(),
                request(Task.SCORE).setText(cases.get(1).path("text").asText()).setTopLogprobs(5).build(),
                request(Task.SCORE).setInputIds(List.of(1, 99999)).build(),
                request(Task.SCORE).setText(cases.get(2).path("text").asText()).build());
        long now = System.currentTimeMillis();
        List<ScoringResult> results = router.handle(requests.stream().map(r -> new WorkItem(r, now, now)).toList(),
                TokenSink.DISCARD);

        assertThat(results).extracting(ScoringResult::getRequestId)
                .containsExactlyElementsOf(requests.stream().map(PromptRequest::getRequestId).toList());
        assertThat(results.get(1).getGeneration().getNewIds()).hasSize(2);
        assertThat(results.get(3).getError().getCode()).isEqualTo(ErrorCodes.INVALID_INPUT);
        for (int i : new int[] {0, 2, 4}) {
            JsonNode c = cases.get(i / 2);
            var score = results.get(i).getScore();
            assertThat(results.get(i).getInputIds()).containsExactlyElementsOf(ints(c.path("input_ids")));
            for (int t = 1; t < score.getTokenLogprobs().size(); t++) {
                assertThat((double) score.getTokenLogprobs().get(t))
                        .isCloseTo(c.path("token_logprobs").get(t).asDouble(), within(1e-4));
            }
            assertThat(score.getMeanNll()).isCloseTo(c.path("loss").asDouble(), within(1e-5));
        }
        assertThat(results.get(0).getScore().getTopLogprobs().get(1).getIds()).hasSize(5);
        assertThat(results.get(4).getScore().getTopLogprobs()).isNull();
    }

    @Test
    void requestsThatCannotBeServedGetErrorResults() {
        assertThat(run(request(Task.SCORE).setInputIds(List.of(1, 99999))).getError().getCode())
                .isEqualTo(ErrorCodes.INVALID_INPUT);
        assertThat(run(request(Task.SCORE).setInputIds(IntStream.range(0, 257).boxed().toList())).getError().getCode())
                .isEqualTo(ErrorCodes.CONTEXT_LENGTH_EXCEEDED);
        ScoringResult tooMany = run(request(Task.GENERATE).setInputIds(IntStream.range(0, 250).boxed().toList())
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(10).build()));
        assertThat(tooMany.getError().getCode()).isEqualTo(ErrorCodes.CONTEXT_LENGTH_EXCEEDED);
        assertThat(tooMany.getError().getMessage()).contains("at most 6 new tokens");
        assertThat(run(request(Task.GENERATE).setText("Hi")
                .setGeneration(GenerationParams.newBuilder().setNumBeams(4).setDoSample(true).build())).getError()
                .getCode()).isEqualTo(ErrorCodes.UNSUPPORTED);
        assertThat(run(request(Task.GENERATE).setText("Hi")
                .setGeneration(GenerationParams.newBuilder().setNumBeams(2).setNumReturnSequences(3).build()))
                .getError().getMessage()).contains("num_return_sequences");
        assertThat(run(request(Task.GENERATE).setText("Hi")
                .setGeneration(GenerationParams.newBuilder().setNumBeams(100).build())).getError().getCode())
                .isEqualTo(ErrorCodes.UNSUPPORTED);
        ScoringResult wrongModel = run(request(Task.SCORE).setModel("other").setText("Hello world"));
        assertThat(wrongModel.getError().getCode()).isEqualTo(ErrorCodes.UNKNOWN_MODEL);
        assertThat(wrongModel.getStatus()).isEqualTo(ResultStatus.ERROR);
        assertThat(wrongModel.getProvenance().getModelFingerprint()).isEqualTo(model.fingerprint().value());
    }

    private static ScoringResult run(PromptRequest.Builder request) {
        return router.handle(item(request.build()), TokenSink.DISCARD);
    }

    private static PromptRequest.Builder request(Task task) {
        return PromptRequest.newBuilder().setRequestId("r-" + System.nanoTime()).setModel(model.name()).setTask(task);
    }

    private static WorkItem item(PromptRequest request) {
        long now = System.currentTimeMillis();
        return new WorkItem(request, now, now);
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat needs Java 20). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h >>> 15) << 31;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa / 1024f / 16384f; // subnormal: mantissa * 2^-24
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }
}
