package io.logitstream.worker.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.schema.GeneratedSequence;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.task.TaskRouter;
import io.logitstream.worker.task.TokenSink;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Beam search served as sequences of the running batch, many requests at once beside greedy
 * generations: the same hypotheses and sequences_scores as transformers' generate
 * (fixtures/golden/beam, made by fixtures/make_beam_golden.py).
 */
class BeamServingTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-gpt2", "tiny-qwen2-moe"})
    void beamRequestsInARunningBatchMatchTransformers(String name) throws Exception {
        LoadedModel model = TestModels.model(name);
        JsonNode golden = TestModels.readJson(TestModels.root().resolve("fixtures/golden/beam/" + name + ".json"));
        Set<Integer> modelEos = model.generationDefaults().eosTokenIds();
        List<JsonNode> cases = new ArrayList<>();
        List<PromptRequest> requests = new ArrayList<>();
        for (JsonNode c : golden.get("cases")) {
            Set<Integer> eos = new HashSet<>();
            c.get("eos_token_ids").forEach(e -> eos.add(e.asInt()));
            if (!eos.equals(modelEos) || !c.get("early_stopping").isBoolean() || requests.size() >= 16) {
                continue; // the contract takes the model's EOS and a boolean early_stopping
            }
            cases.add(c);
            List<Integer> prompt = new ArrayList<>();
            c.get("prompt_ids").forEach(t -> prompt.add(t.asInt()));
            requests.add(PromptRequest.newBuilder().setRequestId("beam-" + requests.size()).setModel(model.name())
                    .setTask(Task.GENERATE).setInputIds(prompt)
                    .setGeneration(GenerationParams.newBuilder()
                            .setNumBeams(c.get("num_beams").asInt())
                            .setNumReturnSequences(c.get("num_return_sequences").asInt())
                            .setLengthPenalty((float) c.get("length_penalty").asDouble())
                            .setEarlyStopping(c.get("early_stopping").asBoolean())
                            .setMaxNewTokens(c.get("max_new_tokens").asInt()).build())
                    .build());
        }
        assertThat(cases).hasSizeGreaterThanOrEqualTo(8);
        requests.add(ServingSchedulerTest.generate(model.name(), "greedy-beside", "Once upon a time", 9, null));

        Map<String, ScoringResult> results = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(requests.size());
        try (ServingScheduler scheduler = new ServingScheduler(new TaskRouter(model, "test"),
                new BatchBudgets(64, 24, 256L << 20, 16, 64L << 20))) {
            for (PromptRequest r : requests) {
                scheduler.submit(ServingSchedulerTest.item(r), TokenSink.DISCARD, result -> {
                    results.put(result.getRequestId(), result);
                    done.countDown();
                });
            }
            assertThat(done.await(180, TimeUnit.SECONDS)).isTrue();
        }
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            ScoringResult r = results.get("beam-" + i);
            assertThat(r.getStatus()).as(c.get("name").asText()).isEqualTo(ResultStatus.OK);
            List<GeneratedSequence> got = r.getGeneration().getSequences();
            assertThat(got).as(c.get("name").asText()).hasSize(c.get("sequences").size());
            for (int h = 0; h < got.size(); h++) {
                List<Integer> expected = new ArrayList<>();
                c.get("sequences").get(h).forEach(t -> expected.add(t.asInt()));
                assertThat(got.get(h).getNewIds()).as("%s hypothesis %d", c.get("name").asText(), h)
                        .isEqualTo(expected);
                assertThat(got.get(h).getScore()).isCloseTo(c.get("sequences_scores").get(h).asDouble(), within(1e-4));
            }
            assertThat(r.getGeneration().getNewIds()).isEqualTo(got.get(0).getNewIds());
        }
    }
}
