package io.logitstream.app.batch;

import io.logitstream.app.KafkaEndpoint;
import io.logitstream.app.runs.RunPositions;
import io.logitstream.contract.Topics;
import io.logitstream.worker.cli.KafkaOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code logitstream submit FILE.jsonl --run RUN}: a batch of requests in, their results in input order out. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Send every request of a JSONL file (one PromptRequest per line, the contract's fields in"
                + " snake_case) under one run, follow the answers and write them as JSONL in input order.",
            "Resumable: killed and run again with the same arguments, it sends only what the broker did not"
                + " acknowledge and collects the answers already given."})
public final class SubmitCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Parameters(index = "0", paramLabel = "FILE.jsonl", description = "One request per line.")
    Path input;

    @Option(names = "--run", required = true, description = "The run id: copied into every request (run_id);"
            + " requests without a request_id get RUN-<line>.")
    String run;

    @Option(names = "--out", description = "Results file (default: RUN.results.jsonl beside the input).")
    Path out;

    @Option(names = "--model", description = "Model of the lines that name none.")
    String model;

    @Option(names = {"--no-wait", "--dry-run"}, description = "Only send (and print the send rate); do not wait"
            + " for the answers.")
    boolean noWait;

    @Option(names = "--timeout", defaultValue = "600", description = "Give up waiting when no answer came for"
            + " this many seconds; the missing ones are written as NO_RESULT (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--max-rate", defaultValue = "0", description = "Send at most this many requests per second"
            + " (default: as fast as the broker takes them).")
    double maxRate;

    @Override
    public Integer call() throws Exception {
        RunPositions.checkRunId(run);
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("no such file: " + input);
        }
        Map<String, String> settings = kafka.settings();
        Path results = out != null ? out : Submission.defaultOut(input, run);
        Submission submission = new Submission(KafkaEndpoint.of(kafka), Topics.from(settings),
                new Submission.Options(input, run, model, results, !noWait, Duration.ofSeconds(timeoutSeconds),
                        maxRate), System.out, System.err);
        return StopOnShutdown.run(submission::stop, submission::run);
    }
}
