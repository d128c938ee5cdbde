package io.logitstream.app.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.ErrorInfo;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which records answer a run's requests: DUPLICATE notices and other runs' results never do. */
class AnswerFilterTest {

    private final AnswerFilter filter = new AnswerFilter("r1", Map.of("r1-000001", 1, "r1-000002", 2));

    @Test
    void aResultOfTheRunAnswersItsLine() {
        AnswerFilter.Answer answer = filter.of(result("r1-000002", "r1", ResultStatus.OK, null));

        assertThat(answer.line()).isEqualTo(2);
        assertThat(answer.ok()).isTrue();
        assertThat(answer.json()).startsWith("{\"line\":2,\"request_id\":\"r1-000002\"");
    }

    @Test
    void duplicateNoticesAndOtherRunsAnswerNothing() {
        assertThat(filter.of(result("r1-000001", "r1", ResultStatus.ERROR, ErrorCodes.DUPLICATE))).isNull();
        assertThat(filter.of(result("r1-000001", "r2", ResultStatus.OK, null))).isNull();
        assertThat(filter.of(result("other", "r1", ResultStatus.OK, null))).isNull();
    }

    @Test
    void errorResultsAndDeadLettersAnswerWithAnError() {
        AnswerFilter.Answer error = filter.of(result("r1-000001", null, ResultStatus.ERROR, ErrorCodes.UNKNOWN_MODEL));
        DeadLetter letter = DeadLetter.newBuilder().setSourceTopic("llm.prompts").setSourcePartition(0)
                .setSourceOffset(5).setStage("topology.validate").setErrorCode(ErrorCodes.INVALID_REQUEST)
                .setErrorMessage("exactly one of text, messages, input_ids").setRequestId("r1-000002")
                .setFailedAtMs(1).build();

        AnswerFilter.Answer dead = filter.of(letter);

        assertThat(error.ok()).isFalse();
        assertThat(dead.line()).isEqualTo(2);
        assertThat(dead.ok()).isFalse();
        assertThat(dead.json()).contains("\"code\":\"INVALID_REQUEST\"").contains("\"stage\":\"topology.validate\"");
    }

    private static ScoringResult result(String id, String run, ResultStatus status, String code) {
        return ScoringResult.newBuilder().setRequestId(id).setModel("m").setTask(Task.SCORE).setStatus(status)
                .setError(code == null ? null : new ErrorInfo(code, "because")).setInputIds(List.of())
                .setRunId(run).build();
    }
}
