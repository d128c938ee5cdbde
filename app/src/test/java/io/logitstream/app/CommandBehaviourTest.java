package io.logitstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What the commands promise a person, checked without a broker. */
class CommandBehaviourTest {

    @Test
    void noExamplesMeansNoExamples() {
        UpCommand quiet = new UpCommand();
        new CommandLine(quiet).parseArgs("--no-examples");
        UpCommand plain = new UpCommand();
        new CommandLine(plain).parseArgs();

        assertThat(quiet.noExamples).isTrue();
        assertThat(plain.noExamples).isFalse();
    }

    @Test
    void everyRunOfUpSendsItsExamplesUnderFreshRequestIds() {
        Set<String> ids = new HashSet<>();
        for (String run : List.of("run-a", "run-b")) {
            UpCommand.examples("tiny-gpt2", run).stream().map(PromptRequest::getRequestId).forEach(ids::add);
        }
        assertThat(ids).hasSize(2 * UpCommand.examples("m", "x").size());
    }

    @Test
    void gatewayFlagsWinOverTheConfigFileWhoseClientSettingsAndTopicsItKeeps() throws Exception {
        java.nio.file.Path config = java.nio.file.Files.createTempFile("gateway", ".properties");
        java.nio.file.Files.writeString(config, "logitstream.gateway.port=9001\nlogitstream.gateway.models=a,b/c\n"
                + "security.protocol=SASL_SSL\nlogitstream.topic.results=my.results\n");
        GatewayCommand flags = new GatewayCommand();
        new CommandLine(flags).parseArgs("--config", config.toString(), "--port", "9100", "--timeout", "5",
                "--bootstrap-servers", "broker:9093");
        GatewayCommand file = new GatewayCommand();
        new CommandLine(file).parseArgs("--config", config.toString());

        var fromFlags = flags.settings();
        var fromFile = file.settings();

        assertThat(fromFlags.port()).isEqualTo(9100);
        assertThat(fromFlags.requestTimeout()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(fromFlags.bootstrapServers()).isEqualTo("broker:9093");
        assertThat(fromFlags.clientProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("bootstrap.servers", "broker:9093").doesNotContainKey("logitstream.topic.results");
        assertThat(fromFlags.topics().results()).isEqualTo("my.results");
        assertThat(fromFile.port()).isEqualTo(9001);
        assertThat(fromFile.models()).containsExactly("a", "b/c");
        assertThat(fromFile.requestTimeout()).isEqualTo(io.logitstream.gateway.GatewaySettings.DEFAULT_TIMEOUT);
    }

    @Test
    void upStartsTheGatewayUnlessToldNot() {
        UpCommand plain = new UpCommand();
        new CommandLine(plain).parseArgs();
        UpCommand without = new UpCommand();
        new CommandLine(without).parseArgs("--no-gateway", "--gateway-port", "8100");

        assertThat(plain.noGateway).isFalse();
        assertThat(plain.gatewayPort).isEqualTo(8000);
        assertThat(without.noGateway).isTrue();
        assertThat(without.gatewayPort).isEqualTo(8100);
    }

    @Test
    void sendExitsNonZeroOnAnErrorResultOrADeadLetter() {
        assertThat(SendCommand.exitStatus(new OutputWatcher.Output.Result(result(ResultStatus.OK)))).isZero();
        assertThat(SendCommand.exitStatus(new OutputWatcher.Output.Result(result(ResultStatus.ERROR))))
                .isEqualTo(SendCommand.NOT_OK);
        assertThat(SendCommand.exitStatus(new OutputWatcher.Output.Dead(new DeadLetter())))
                .isEqualTo(SendCommand.NOT_OK);
    }

    @Test
    void sendMapsThePrefixReuseFlagsIntoTheRequest() throws Exception {
        SendCommand send = new SendCommand();
        new CommandLine(send).parseArgs("--model", "m", "--text", "Q: 2+2? A:", "--session-id", "chat-1",
                "--prefix-key", "mmlu/5-shot", "--prefix-route-chars", "64",
                "--logprobs-of-tokens", "A, B", "--logprobs-of-ids", "1,2,3");

        PromptRequest request = send.build();

        assertThat(request.getSessionId()).isEqualTo("chat-1");
        assertThat(request.getPrefixKey()).isEqualTo("mmlu/5-shot");
        assertThat(request.getPrefixRouteChars()).isEqualTo(64);
        assertThat(request.getLogprobsOf().getTokens()).containsExactly("A", " B");
        assertThat(request.getLogprobsOf().getTokenIds()).containsExactly(1, 2, 3);
    }

    @Test
    void sendWithoutThemLeavesThePrefixReuseFieldsUnset() throws Exception {
        SendCommand send = new SendCommand();
        new CommandLine(send).parseArgs("--model", "m", "--text", "hi");

        PromptRequest request = send.build();

        assertThat(request.getSessionId()).isNull();
        assertThat(request.getPrefixKey()).isNull();
        assertThat(request.getPrefixRouteChars()).isNull();
        assertThat(request.getLogprobsOf()).isNull();
    }

    @Test
    void sendToAStoppedBrokerFailsWithinItsTimeoutWithOneMessage() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine().setErr(new PrintWriter(err, true));
        long start = System.nanoTime();

        int status = cli.execute("send", "--bootstrap-servers", "localhost:" + closedPort, "--model", "m",
                "--text", "hi", "--wait", "--timeout", "2");

        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(status).isEqualTo(1);
        assertThat(seconds).isLessThan(6);
        assertThat(err.toString().strip()).startsWith("error: cannot reach the Kafka broker at localhost:" + closedPort)
                .doesNotContain("\n");
    }

    private static ScoringResult result(ResultStatus status) {
        ScoringResult result = new ScoringResult();
        result.setStatus(status);
        return result;
    }
}
