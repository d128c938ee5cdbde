package io.logitstream.topology.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import io.logitstream.schema.TokenSelection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The checks of the prefix-reuse fields and of top_logprobs beyond 20. */
class RequestValidatorTest {

    private final RequestValidator validator = new RequestValidator();

    @Test
    void topLogprobsMayGoBeyondTwentyUpToTheSanityBound() {
        assertThat(validate(score().setTopLogprobs(151_936))).isEmpty();
        assertThat(validate(score().setTopLogprobs(RequestValidator.MAX_TOP_LOGPROBS))).isEmpty();
        assertThat(validate(score().setTopLogprobs(RequestValidator.MAX_TOP_LOGPROBS + 1)))
                .singleElement().asString().startsWith("top_logprobs must be between 0 and 1000000");
        assertThat(validate(score().setTopLogprobs(-1))).singleElement().asString().contains("top_logprobs");
    }

    @Test
    void logprobsOfWithIdsOrTokensIsValidForScoreAndGenerate() {
        TokenSelection letters = selection(List.of(32, 33), List.of("A", " B"));

        assertThat(validate(score().setLogprobsOf(letters))).isEmpty();
        assertThat(validate(request(Task.GENERATE).setLogprobsOf(selection(null, List.of("A"))))).isEmpty();
        assertThat(validate(score().setLogprobsOf(selection(List.of(0), null)))).isEmpty();
    }

    @Test
    void logprobsOfIsRefusedForChoiceAndTeacher() {
        TokenSelection one = selection(List.of(1), null);

        assertThat(validate(request(Task.CHOICE).setChoices(List.of("A", "B")).setLogprobsOf(one)))
                .containsExactly("logprobs_of applies to SCORE and GENERATE requests only, but task is CHOICE");
        assertThat(validate(request(Task.TEACHER).setLogprobsOf(one)))
                .containsExactly("logprobs_of applies to SCORE and GENERATE requests only, but task is TEACHER");
    }

    @Test
    void logprobsOfMustNameAtLeastOneAndAtMostTheLimitOfTokens() {
        List<Integer> ids = IntStream.range(0, 1000).boxed().toList();
        List<String> tokens = Collections.nCopies(RequestValidator.MAX_SELECTED_TOKENS - 1000, "x");
        List<String> oneTooMany = Collections.nCopies(RequestValidator.MAX_SELECTED_TOKENS - 999, "x");

        assertThat(validate(score().setLogprobsOf(selection(null, null))))
                .containsExactly("logprobs_of names no tokens: set token_ids or tokens");
        assertThat(validate(score().setLogprobsOf(selection(List.of(), List.of()))))
                .containsExactly("logprobs_of names no tokens: set token_ids or tokens");
        assertThat(validate(score().setLogprobsOf(selection(ids, tokens)))).isEmpty();
        assertThat(validate(score().setLogprobsOf(selection(ids, oneTooMany))))
                .singleElement().asString().startsWith("logprobs_of names 1025 tokens, at most 1024");
    }

    @Test
    void logprobsOfRefusesNegativeOrMissingIdsAndEmptyTokens() {
        List<Integer> ids = new ArrayList<>(Arrays.asList(3, -1));
        List<String> tokens = new ArrayList<>(Arrays.asList("A", ""));

        assertThat(validate(score().setLogprobsOf(selection(ids, tokens)))).containsExactly(
                "logprobs_of.token_ids must be non-negative token ids",
                "logprobs_of.tokens must not be empty strings");
        assertThat(validate(score().setLogprobsOf(selection(Arrays.asList(1, null), null))))
                .containsExactly("logprobs_of.token_ids must be non-negative token ids");
        // A lone space is a real token in most vocabularies.
        assertThat(validate(score().setLogprobsOf(selection(null, List.of(" "))))).isEmpty();
    }

    @Test
    void sessionIdAndPrefixKeyAreNamesOfBoundedLength() {
        String longest = "s".repeat(RequestValidator.MAX_AFFINITY_KEY_LENGTH);

        assertThat(validate(score().setSessionId(longest).setPrefixKey("mmlu/5-shot"))).isEmpty();
        assertThat(validate(score().setSessionId(longest + "s"))).containsExactly(
                "session_id is longer than 256 characters");
        assertThat(validate(score().setPrefixKey("p".repeat(257)))).containsExactly(
                "prefix_key is longer than 256 characters");
        assertThat(validate(score().setSessionId(" ").setPrefixKey(""))).containsExactly(
                "session_id is blank: leave it unset or give it a name",
                "prefix_key is blank: leave it unset or give it a name");
    }

    @Test
    void prefixRouteCharsMustBePositive() {
        assertThat(validate(score().setPrefixRouteChars(1))).isEmpty();
        assertThat(validate(score().setPrefixRouteChars(0))).containsExactly(
                "prefix_route_chars must be >= 1 (leave it unset for no prefix routing), got 0");
        assertThat(validate(score().setPrefixRouteChars(-5))).singleElement().asString()
                .contains("prefix_route_chars must be >= 1");
    }

    @Test
    void everyProblemOfTheNewFieldsIsListedAtOnce() {
        Validation v = validator.validate(request(Task.CHOICE).setChoices(List.of("A"))
                .setLogprobsOf(selection(List.of(-1), null)).setSessionId("").setPrefixRouteChars(0).build());

        assertThat(v.isValid()).isFalse();
        assertThat(v.problems()).hasSize(3);
        assertThat(v.message()).contains("logprobs_of applies to SCORE and GENERATE")
                .contains("session_id is blank").contains("prefix_route_chars must be >= 1");
    }

    private List<String> validate(PromptRequest.Builder request) {
        return validator.validate(request.build()).problems();
    }

    private static PromptRequest.Builder score() {
        return request(Task.SCORE);
    }

    private static PromptRequest.Builder request(Task task) {
        return PromptRequest.newBuilder().setRequestId("r1").setModel("m").setTask(task).setText("Hello");
    }

    private static TokenSelection selection(List<Integer> ids, List<String> tokens) {
        return TokenSelection.newBuilder().setTokenIds(ids).setTokens(tokens).build();
    }
}
