package io.logitstream.app.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resume state: acknowledgements in any order survive a restart, and a state never resumes another input. */
class SubmitStateTest {

    @TempDir
    Path dir;

    @Test
    void acknowledgementsInAnyOrderAreSavedAsRangesAndReadBack() throws Exception {
        Path input = Files.writeString(dir.resolve("in.jsonl"), "x\n".repeat(10));
        Path file = SubmitState.fileFor(dir.resolve("out.jsonl"), "r1");
        SubmitState state = SubmitState.loadOrCreate(file, "r1", input, 10);
        for (int line : new int[] {3, 1, 2, 7, 5, 6}) {
            state.acked(line);
        }
        state.save();

        SubmitState again = SubmitState.loadOrCreate(file, "r1", input, 10);

        assertThat(file.getFileName().toString()).isEqualTo(".r1.submit-state");
        assertThat(Files.readString(file)).contains("\"acked\":[[1,3],[5,7]]");
        assertThat(again.ackedCount()).isEqualTo(6);
        assertThat(again.isAcked(4)).isFalse();
        assertThat(again.isAcked(6)).isTrue();
        assertThat(again.isAcked(8)).isFalse();
    }

    @Test
    void aStateOfAnotherRunOrAChangedInputIsRefused() throws Exception {
        Path input = Files.writeString(dir.resolve("in.jsonl"), "x\n");
        Path file = SubmitState.fileFor(dir.resolve("out.jsonl"), "r1");
        SubmitState.loadOrCreate(file, "r1", input, 1).save();

        assertThatThrownBy(() -> SubmitState.loadOrCreate(file, "r1", input, 2))
                .hasMessageContaining("delete it to start over");
        assertThatThrownBy(() -> SubmitState.loadOrCreate(file, "r1", dir.resolve("other.jsonl"), 1))
                .hasMessageContaining("belongs to run 'r1'");
    }

    @Test
    void theSpoolWritesAnswersInInputOrderWhateverOrderTheyCameIn() throws Exception {
        Path out = dir.resolve("results.jsonl");
        try (ResultSpool spool = new ResultSpool(dir.resolve("spool"), 5)) {
            assertThat(spool.put(4, "{\"line\":4}")).isTrue();
            assertThat(spool.put(1, "{\"line\":1}")).isTrue();
            assertThat(spool.put(4, "{\"line\":4,\"again\":true}")).as("the first answer counts").isFalse();
            assertThat(spool.put(2, "{\"line\":2}")).isTrue();

            spool.writeInOrder(out, line -> line == 3 ? null : "{\"missing\":" + line + "}");

            assertThat(spool.count()).isEqualTo(3);
        }
        assertThat(Files.readAllLines(out)).containsExactly("{\"line\":1}", "{\"line\":2}", "{\"line\":4}",
                "{\"missing\":5}");
        assertThat(dir.resolve("spool")).doesNotExist();
    }

    @Test
    void progressShowsRatesAndTimeLeft() {
        long[] now = {0};
        ProgressMeter meter = new ProgressMeter("r1", () -> now[0]);
        RunCounters counters = new RunCounters(100, 100);

        meter.line(counters);
        now[0] = 2_000;
        for (int i = 0; i < 60; i++) {
            counters.acknowledged();
        }
        for (int i = 0; i < 20; i++) {
            counters.answered(i != 0);
        }

        assertThat(meter.line(counters)).isEqualTo("r1: sent 60/100 (30/s)  done 20/100  errors 1  10.0/s  ETA 8s");
        assertThat(ProgressMeter.eta(4000, 10)).isEqualTo("6m40s");
        assertThat(ProgressMeter.eta(5, 0)).isEqualTo("--");
    }
}
