package io.logitstream.app.runs;

import io.logitstream.app.KafkaEndpoint;
import io.logitstream.app.batch.StopOnShutdown;
import io.logitstream.contract.Topics;
import io.logitstream.worker.cli.KafkaOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code logitstream replay --run R1 --as R2 [--model M]}: run the requests of R1 again, as R2. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Send every request of a run again under a new run: read back from llm.prompts, with the"
                + " seeds the first run's results recorded (so sampled generations repeat), new request ids"
                + " derived from the new run. Then follow the new run's answers (unless --no-wait).",
            "Compare the two with `logitstream diff R1 R2`."})
public final class ReplayCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--run", required = true, description = "The run to replay.")
    String from;

    @Option(names = "--as", required = true, description = "The new run's id.")
    String as;

    @Option(names = "--model", description = "Ask this model instead of each request's own.")
    String model;

    @Option(names = "--no-wait", description = "Only send; do not wait for the answers.")
    boolean noWait;

    @Option(names = "--out", description = "Also write the new run's results as JSONL (in replay order).")
    Path out;

    @Option(names = "--timeout", defaultValue = "600", description = "Give up waiting when no answer came for"
            + " this many seconds (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        RunPositions.checkRunId(as);
        if (as.equals(from)) {
            throw new IllegalArgumentException("--as must name a new run, not " + from);
        }
        Replay replay = new Replay(KafkaEndpoint.of(kafka), Topics.from(kafka.settings()),
                new Replay.Options(from, as, model, !noWait, Duration.ofSeconds(timeoutSeconds), out),
                System.out, System.err);
        return StopOnShutdown.run(replay::stop, replay::run);
    }
}
