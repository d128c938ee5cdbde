package io.logitstream.worker.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.TokenSelection;
import io.logitstream.schema.TopLogprobs;
import io.logitstream.schema.Usage;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-position outputs beyond the request's own tokens on the real tiny GPT-2: the full
 * vocabulary as top_logprobs, selected tokens' logprobs agreeing with it, the size check, and the
 * usage every result carries.
 */
class LogprobOutputsTest {
    private static LoadedModel model;
    private static TaskRouter roomy;

    @BeforeAll
    static void load() {
        model = TestModels.tinyGpt2();
        roomy = new TaskRouter(model, "test", 64L << 20);
    }

    @Test
    void selectedTokensGetTheLogprobsTheFullVocabularyListsForThem() {
        int vocab = model.model().vocabSize();
        TokenSelection selection = TokenSelection.newBuilder().setTokenIds(List.of(13, 262))
                .setTokens(List.of(" A", " B")).build();
        ScoringResult r = roomy.handle(item(request(Task.SCORE).setText("The answer is").setTopLogprobs(vocab)
                .setLogprobsOf(selection)), TokenSink.DISCARD);

        assertThat(r.getStatus()).as("%s", r.getError()).isEqualTo(ResultStatus.OK);
        List<TopLogprobs> selected = r.getScore().getSelectedLogprobs();
        List<TopLogprobs> full = r.getScore().getTopLogprobs();
        assertThat(selected).hasSize(r.getInputIds().size());
        assertThat(selected.get(0)).isNull();
        int a = model.tokenizer().encode(" A", false)[0];
        for (int t = 1; t < selected.size(); t++) {
            assertThat(full.get(t).getIds()).hasSize(vocab);
            assertThat(selected.get(t).getIds()).containsExactly(13, 262, a, model.tokenizer().encode(" B", false)[0]);
            for (int q = 0; q < 4; q++) {
                int id = selected.get(t).getIds().get(q);
                float expected = full.get(t).getLogprobs().get(full.get(t).getIds().indexOf(id));
                assertThat(selected.get(t).getLogprobs().get(q)).isCloseTo(expected, within(1e-6f));
            }
        }
    }

    @Test
    void generationReportsSelectedTokensAtEveryNewPosition() {
        GenerationParams greedy = GenerationParams.newBuilder().setMaxNewTokens(4).setIgnoreEos(true).build();
        ScoringResult r = roomy.handle(item(request(Task.GENERATE).setText("Once upon a time").setGeneration(greedy)
                .setTopLogprobs(3).setLogprobsOf(TokenSelection.newBuilder().setTokenIds(List.of(0, 5)).build())),
                TokenSink.DISCARD);

        assertThat(r.getStatus()).as("%s", r.getError()).isEqualTo(ResultStatus.OK);
        List<TopLogprobs> selected = r.getGeneration().getSelectedLogprobs();
        assertThat(selected).hasSize(4);
        for (int i = 0; i < 4; i++) {
            TopLogprobs top = r.getGeneration().getTopLogprobs().get(i);
            float best = top.getLogprobs().get(0);
            assertThat(selected.get(i).getIds()).containsExactly(0, 5);
            for (float lp : selected.get(i).getLogprobs()) {
                assertThat(lp).isLessThanOrEqualTo(best);
            }
        }
    }

    @Test
    void outputsThatCannotFitOneResultAreRefusedWithWhatWouldFit() {
        TaskRouter router = new TaskRouter(model, "test", 10_000);
        ScoringResult r = router.handle(item(request(Task.SCORE).setText("Hello world, this is a test")
                .setTopLogprobs(1000)), TokenSink.DISCARD);
        assertThat(r.getStatus()).isEqualTo(ResultStatus.ERROR);
        assertThat(r.getError().getCode()).isEqualTo(ErrorCodes.RESULT_TOO_LARGE);
        assertThat(r.getError().getMessage()).contains("ask for at most").contains("max.request.size");

        ScoringResult over = router.handle(item(request(Task.SCORE).setText("Hello world")
                .setTopLogprobs(model.model().vocabSize() + 1)), TokenSink.DISCARD);
        assertThat(over.getError().getCode()).isEqualTo(ErrorCodes.INVALID_INPUT);
    }

    @Test
    void aSelectedStringOfSeveralTokensIsAnInputError() {
        ScoringResult r = roomy.handle(item(request(Task.SCORE).setText("Hello world")
                .setLogprobsOf(TokenSelection.newBuilder().setTokens(List.of("A B")).build())),
                TokenSink.DISCARD);
        assertThat(r.getError().getCode()).isEqualTo(ErrorCodes.INVALID_INPUT);
        assertThat(r.getError().getMessage()).contains("\"A B\" is 2 tokens").contains("single tokens");
    }

    @Test
    void choiceUsageShowsTheContextComputedOnce() {
        ScoringResult r = roomy.handle(item(request(Task.CHOICE).setText("Question: which letter comes first? Answer:")
                .setChoices(List.of(" A", " B", " C", " D"))), TokenSink.DISCARD);
        Usage usage = r.getUsage();
        int context = r.getInputIds().size();
        assertThat(usage.getPromptTokens()).isEqualTo(4 * (context + 1));
        // the first candidate computes the context; the others reuse all of it but its last token
        assertThat(usage.getCachedTokens()).isEqualTo(3 * (context - 1));
        assertThat(usage.getComputedTokens()).isEqualTo(usage.getPromptTokens() - usage.getCachedTokens());
    }

    private static PromptRequest.Builder request(Task task) {
        return PromptRequest.newBuilder().setRequestId("r-" + System.nanoTime()).setModel(model.name()).setTask(task);
    }

    private static WorkItem item(PromptRequest.Builder request) {
        long now = System.currentTimeMillis();
        return new WorkItem(request.build(), now, now);
    }
}
