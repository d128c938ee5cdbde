package io.logitstream.app.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.app.runs.RunPositions;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batch-file lines in the contract's own field names, and every way a line can fail to be a request. */
class RequestLineParserTest {

    private final RequestLineParser parser = new RequestLineParser("eval-1", "tiny-gpt2");

    @Test
    void aLineWithTheContractsFieldsBecomesTheRequest() {
        PromptRequest r = parser.parse(7, """
                {"task": "CHOICE", "text": "Q: 2+2?", "choices": [" 3", " 4"], "gold_index": 1,
                 "metadata": {"row": "17"}, "prefix_key": "math"}""").request();

        assertThat(r.getTask()).isEqualTo(Task.CHOICE);
        assertThat(r.getChoices()).containsExactly(" 3", " 4");
        assertThat(r.getGoldIndex()).isEqualTo(1);
        assertThat(r.getPrefixKey()).isEqualTo("math");
        assertThat(r.getModel()).as("from --model").isEqualTo("tiny-gpt2");
        assertThat(r.getRunId()).isEqualTo("eval-1");
        assertThat(r.getMetadata()).containsEntry("row", "17").containsEntry(RunPositions.LINE_KEY, "7");
    }

    @Test
    void nestedRecordsOptionalValuesAndEnumsInAnyCase() {
        PromptRequest r = parser.parse(1, """
                {"task": "generate", "model": "other", "messages": [{"role": "user", "content": "hi"}],
                 "generation": {"max_new_tokens": 4, "do_sample": true, "temperature": 0.7, "seed": 42,
                                "stop": ["\\n"]}, "top_logprobs": null}""").request();

        assertThat(r.getTask()).isEqualTo(Task.GENERATE);
        assertThat(r.getModel()).isEqualTo("other");
        assertThat(r.getMessages().get(0).getContent()).isEqualTo("hi");
        assertThat(r.getGeneration().getMaxNewTokens()).isEqualTo(4);
        assertThat(r.getGeneration().getTemperature()).isEqualTo(0.7f);
        assertThat(r.getGeneration().getSeed()).isEqualTo(42L);
        assertThat(r.getGeneration().getStop()).containsExactly("\n");
        assertThat(r.getTopLogprobs()).isNull();
    }

    @Test
    void requestIdsAreDerivedFromTheRunAndTheLineSoAResubmitIsIdempotent() {
        String line = "{\"task\": \"SCORE\", \"text\": \"hello\"}";

        assertThat(parser.parse(42, line).request().getRequestId()).isEqualTo("eval-1-000042");
        assertThat(new RequestLineParser("eval-1", "m").parse(42, line).request().getRequestId())
                .isEqualTo("eval-1-000042");
        assertThat(parser.parse(3, "{\"request_id\": \"mine\", \"task\": \"SCORE\", \"text\": \"x\"}")
                .request().getRequestId()).isEqualTo("mine");
    }

    @Test
    void badLinesSayWhy() {
        assertThat(parser.parse(1, "{not json").problem()).startsWith("not JSON");
        assertThat(parser.parse(1, "[1, 2]").problem()).isEqualTo("not a JSON object");
        assertThat(parser.parse(1, "{\"task\": \"SCOR\", \"text\": \"x\"}").problem())
                .isEqualTo("field 'task' must be one of SCORE, CHOICE, TEACHER, GENERATE, CLASSIFY, got \"SCOR\"");
        assertThat(parser.parse(1, "{\"task\": \"SCORE\", \"text\": \"x\", \"temprature\": 1}").problem())
                .isEqualTo("unknown field 'temprature'");
        assertThat(parser.parse(1, "{\"task\": \"GENERATE\", \"text\": \"x\", \"generation\": {\"seed\": 1.5}}")
                .problem()).isEqualTo("field 'generation.seed' must be an integer, got 1.5");
        assertThat(parser.parse(1, "{\"text\": \"x\"}").problem()).isEqualTo("missing field 'task'");
        assertThat(parser.parse(1, "{\"task\": \"SCORE\", \"text\": \"x\", \"run_id\": \"other\"}").problem())
                .contains("run_id 'other' is not the submitted run 'eval-1'");
        assertThat(new RequestLineParser("r", null).parse(1, "{\"task\": \"SCORE\", \"text\": \"x\"}").problem())
                .startsWith("no model");
    }

    @Test
    void runIdsMustNameFiles() {
        assertThatThrownBy(() -> new RequestLineParser("../etc", "m")).hasMessageContaining("run id");
        assertThatThrownBy(() -> new RequestLineParser("", "m")).hasMessageContaining("run id");
    }

    @Test
    void resultsAreWrittenAsPlainJsonWithTheirLine() throws Exception {
        ScoringResult result = ScoringResult.newBuilder().setRequestId("eval-1-000003").setModel("m")
                .setTask(Task.SCORE).setStatus(io.logitstream.schema.ResultStatus.OK).setInputIds(List.of(1, 2))
                .setRunId("eval-1").build();

        var json = new ObjectMapper().readTree(AnswerLines.result(3, result));

        assertThat(json.get("line").asInt()).isEqualTo(3);
        assertThat(json.get("request_id").asText()).isEqualTo("eval-1-000003");
        assertThat(json.get("status").asText()).isEqualTo("OK");
        assertThat(json.get("task").asText()).isEqualTo("SCORE");
        assertThat(json.get("input_ids").toString()).isEqualTo("[1,2]");
        assertThat(json.get("score").isNull()).isTrue();
        assertThat(new ObjectMapper().readTree(AnswerLines.invalidLine(9, "not JSON")).at("/error/code").asText())
                .isEqualTo(AnswerLines.INVALID_LINE);
    }
}
