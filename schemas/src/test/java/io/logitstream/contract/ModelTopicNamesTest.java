package io.logitstream.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelTopicNamesTest {

    private final Topics topics = Topics.defaults();

    @Test
    void huggingFaceIdsKeepTheirTopics() {
        assertThat(topics.requestsFor("Qwen/Qwen2-0.5B")).isEqualTo("llm.requests.Qwen_Qwen2-0.5B");
        assertThat(topics.requestsFor("tiny-gpt2")).isEqualTo("llm.requests.tiny-gpt2");
    }

    @Test
    void slashAndUnderscoreNeverShareATopic() {
        assertThat(topics.requestsFor("a/b")).isEqualTo("llm.requests.a_b");
        assertThat(topics.requestsFor("a_b")).isEqualTo("llm.requests.a__b");
        assertThat(topics.requestsFor("a__b")).isEqualTo("llm.requests.a____b");
    }

    @Test
    void namesThatCannotMapOneToOneAreRefused() {
        assertThat(topics.modelNameProblem("a b").orElseThrow()).contains("only letters, digits");
        assertThat(topics.modelNameProblem("a:b")).isPresent();
        assertThat(topics.modelNameProblem("/a").orElseThrow()).contains("empty segment");
        assertThat(topics.modelNameProblem("a//b")).isPresent();
        assertThat(topics.modelNameProblem("a/")).isPresent();
        assertThat(topics.modelNameProblem("a_/b")).isPresent();
        assertThat(topics.modelNameProblem("a/_b")).isPresent();
        assertThat(topics.modelNameProblem("_a_")).isEmpty();
        assertThatThrownBy(() -> topics.requestsFor("a b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void topicSuffixesReadBackAsTheirModels() {
        assertThat(ModelTopicNames.model("Qwen_Qwen2-0.5B")).contains("Qwen/Qwen2-0.5B");
        assertThat(ModelTopicNames.model("a__b")).contains("a_b");
        assertThat(ModelTopicNames.model("tiny-gpt2")).contains("tiny-gpt2");
        assertThat(ModelTopicNames.model("a___b")).as("an odd run of underscores: no model maps to it").isEmpty();
        assertThat(ModelTopicNames.model("_a")).as("a leading slash").isEmpty();
        assertThat(ModelTopicNames.model("")).isEmpty();
    }

    @Test
    void topicNamesFitKafkasLimit() {
        int room = ModelTopicNames.MAX_TOPIC_LENGTH - "llm.requests.".length();
        assertThat(topics.modelNameProblem("m".repeat(room))).isEmpty();
        assertThat(topics.modelNameProblem("m".repeat(room + 1)).orElseThrow()).contains("249");
        assertThat(topics.modelNameProblem("m_".repeat(room / 2)).orElseThrow()).contains("counts twice");
        assertThat(topics.modelNameProblem("m".repeat(1_000_000)).orElseThrow()).contains("1000000 characters");
    }

    @Test
    void everyAcceptedNameHasATopicOfItsOwn() {
        String alphabet = "ab_/.-";
        Random random = new Random(7);
        Map<String, String> modelByTopic = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            StringBuilder name = new StringBuilder();
            int length = 1 + random.nextInt(7);
            for (int c = 0; c < length; c++) {
                name.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String model = name.toString();
            if (topics.modelNameProblem(model).isPresent()) {
                continue;
            }
            assertThat(ModelTopicNames.model(ModelTopicNames.suffix(model))).as("read back").contains(model);
            String previous = modelByTopic.putIfAbsent(topics.requestsFor(model), model);
            assertThat(previous == null || previous.equals(model))
                    .as("%s and %s share topic %s", previous, model, topics.requestsFor(model)).isTrue();
        }
        assertThat(modelByTopic).hasSizeGreaterThan(1000);
    }
}
