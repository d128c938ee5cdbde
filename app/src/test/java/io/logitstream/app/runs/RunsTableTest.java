package io.logitstream.app.runs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpServer;
import io.logitstream.schema.CandidateScore;
import io.logitstream.schema.ChoiceOutput;
import io.logitstream.schema.ErrorInfo;
import io.logitstream.schema.Provenance;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.RunSummary;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.Timings;
import io.logitstream.topology.runs.RunContribution;
import io.logitstream.topology.runs.RunSummaries;
import io.logitstream.topology.runs.RunSummaryJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The runs command's text, from the JSON the topology's query server gives for a real summary. */
class RunsTableTest {

    @Test
    void theListHasOneRowPerRunWithProgressAccuracyAndLatency() {
        String table = print(out -> RunsTable.printList(list(summary()).path("runs"), out));

        assertThat(table.lines().findFirst().orElseThrow()).contains("RUN", "REQUESTS", "DONE", "ERRORS", "ACCURACY",
                "P50", "P99", "LAST UPDATE");
        assertThat(table).containsPattern("eval-1\\s+3\\s+1\\s+1\\s+0\\s+100.00%\\s+120 ms\\s+120 ms");
    }

    @Test
    void oneRunPrintsEveryPartOfItsSummary() {
        String text = print(out -> RunsTable.printRun(RunSummaryJson.of(summary()), out));

        assertThat(text).contains("run:              eval-1", "3 received, 2 answered: 1 done, 1 errors",
                "ENGINE_ERROR 1", "100.00% (length-normalised 0.00%) over 1 graded", "m sha256:abc: 1 results");
        assertThat(text).containsPattern("compute latency: +p50 120 ms, p90 120 ms, p99 120 ms, max 120 ms");
    }

    @Test
    void theCommandReadsTheServerAndSaysWhenARunIsUnknown() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            boolean list = exchange.getRequestURI().getPath().equals("/runs");
            byte[] body = (list ? list(summary()).toString() : "{\"error\": {\"message\": \"No run x\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(list ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            assertThat(new CommandLine(new RunsCommand()).execute("--url", url)).isZero();
            assertThat(new CommandLine(new RunsCommand()).execute("--url", url, "x")).isEqualTo(1);
        } finally {
            System.setOut(original);
            server.stop(0);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("eval-1");
    }

    private static JsonNode list(RunSummary summary) {
        var body = JsonNodeFactory.instance.objectNode();
        body.putArray("runs").add(RunSummaryJson.of(summary));
        return body;
    }

    private static RunSummary summary() {
        Provenance provenance = Provenance.newBuilder().setModelName("m").setModelFingerprint("sha256:abc")
                .setEngineVersion("t").setWorkerId("w").setDevice("cpu").setParameters(Map.of()).build();
        ScoringResult correct = ScoringResult.newBuilder().setRequestId("r1").setModel("m").setTask(Task.CHOICE)
                .setStatus(ResultStatus.OK).setRunId("eval-1").setProvenance(provenance)
                .setTimings(Timings.newBuilder().setEnqueuedAtMs(0).setStartedAtMs(0).setCompletedAtMs(0).setQueueMs(3)
                        .setComputeMs(120).build())
                .setChoice(ChoiceOutput.newBuilder().setCandidates(List.<CandidateScore>of()).setBestIndex(0)
                        .setBestIndexNormalized(1).setCorrect(true).setCorrectNormalized(false).build()).build();
        ScoringResult failed = ScoringResult.newBuilder().setRequestId("r2").setModel("m").setTask(Task.SCORE)
                .setStatus(ResultStatus.ERROR).setError(new ErrorInfo("ENGINE_ERROR", "boom")).setRunId("eval-1")
                .build();
        RunSummary run = RunSummaries.empty("eval-1");
        for (RunSummary part : List.of(RunContribution.received("eval-1", 1_000), RunContribution.received("eval-1",
                1_001), RunContribution.received("eval-1", 1_002), RunContribution.result(correct, 2_000),
                RunContribution.result(failed, 3_000))) {
            run = RunSummaries.merge(run, part);
        }
        return run;
    }

    private static String print(java.util.function.Consumer<PrintStream> printer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        printer.accept(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
