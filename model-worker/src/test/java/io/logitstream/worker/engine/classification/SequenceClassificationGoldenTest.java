package io.logitstream.worker.engine.classification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code *ForSequenceClassification} fixtures against transformers
 * (fixtures/make_classification_fixtures.py): labels from config.json, the pooled position of every
 * input (single rows, rows ending in the pad id, right- and left-padded batches) and the pooled
 * logits, from the same full forward transformers runs.
 */
class SequenceClassificationGoldenTest {
    static final List<String> FIXTURES = List.of("tiny-qwen2-cls", "tiny-qwen2-moe-cls", "tiny-llama-reward",
            "tiny-gpt2-cls");
    private static final double LOGIT_TOL = 1e-5;

    static Stream<String> fixtures() {
        return FIXTURES.stream();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void loadsTheScoreHeadWithTheLabelsOfConfigJson(String name) {
        LoadedModel loaded = TestModels.model(name);
        JsonNode golden = TestModels.golden(name);
        ClassificationHead head = loaded.classificationHead().orElseThrow();
        List<String> labels = new ArrayList<>();
        golden.get("labels").forEach(l -> labels.add(l.asText()));
        assertThat(head.labels()).isEqualTo(labels);
        assertThat(head.architecture()).isEqualTo(golden.get("architecture").asText());
        assertThat(head.padTokenId()).isEqualTo(golden.get("pad_token_id").isNull() ? null
                : golden.get("pad_token_id").asInt());
        assertThat(head.problemType()).isEqualTo(labels.size() == 1 ? ClassificationHead.ProblemType.REGRESSION
                : ClassificationHead.ProblemType.SINGLE_LABEL);
        assertThat(loaded.model().outputWidth()).isEqualTo(labels.size());
        assertThat(loaded.model().vocabSize()).isEqualTo(loaded.config().vocabSize());
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void pooledLogitsMatchTransformers(String name) {
        LoadedModel loaded = TestModels.model(name);
        JsonNode golden = TestModels.golden(name);
        Integer pad = loaded.classificationHead().orElseThrow().padTokenId();
        for (JsonNode c : golden.get("cases")) {
            int[][] ids = rows(c.get("input_ids"));
            int batch = ids.length;
            int t = ids[0].length;
            // transformers' forward without position_ids counts positions 0..T-1 whatever the padding
            // (GPT-2's learned positions make that visible in the left-padded golden)
            long[][] positions = new long[batch][t];
            for (long[] row : positions) {
                for (int i = 0; i < t; i++) {
                    row[i] = i;
                }
            }
            ForwardInput.Builder in = ForwardInput.builder(ids).positionIds(positions);
            if (!c.get("attention_mask").isNull()) {
                in.attentionMask(rows(c.get("attention_mask")));
            }
            try (NDManager scope = loaded.model().manager().newSubManager();
                    ForwardOutput out = loaded.model().forward(in.build(), scope)) {
                int labels = loaded.model().outputWidth();
                assertThat(out.logits().getShape().getShape()).containsExactly(batch, t, labels);
                float[] flat = out.logits().toFloatArray();
                for (int b = 0; b < batch; b++) {
                    int pooled = LastTokenPooling.index(ids[b], pad);
                    assertThat(pooled).as("%s %s row %d pooled index", name, c.get("name").asText(), b)
                            .isEqualTo(c.get("pooled_index").get(b).asInt());
                    JsonNode want = c.get("logits").get(b);
                    for (int l = 0; l < labels; l++) {
                        assertThat((double) flat[(b * t + pooled) * labels + l])
                                .as("%s %s row %d label %d", name, c.get("name").asText(), b, l)
                                .isCloseTo(want.get(l).asDouble(), within(LOGIT_TOL));
                    }
                }
            }
        }
    }

    private static int[][] rows(JsonNode array) {
        int[][] out = new int[array.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = TestModels.ints(array.get(i));
        }
        return out;
    }
}
