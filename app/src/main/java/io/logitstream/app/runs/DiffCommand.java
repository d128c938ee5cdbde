package io.logitstream.app.runs;

import io.logitstream.app.KafkaEndpoint;
import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.worker.cli.KafkaOptions;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code logitstream diff R1 R2}: how the results of two runs of the same requests differ. */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"Compare the results of two runs on llm.results (committed only), request by request"
                + " (paired by input line, or by the request a replay repeats) and in total: top-1 flips,"
                + " generated-text changes, logprob deltas, accuracy, provenance.",
            "Exit status: 0 identical (within the tolerance), 1 different, 2 error."})
public final class DiffCommand implements Callable<Integer> {

    public static final int IDENTICAL = 0;
    public static final int DIFFERENT = 1;
    public static final int ERROR = 2;

    @Mixin
    KafkaOptions kafka;

    @Parameters(index = "0", paramLabel = "R1", description = "The first run.")
    String run1;

    @Parameters(index = "1", paramLabel = "R2", description = "The second run.")
    String run2;

    @Option(names = "--tolerance", defaultValue = "1e-5", description = "Largest logprob difference that counts"
            + " as the same (default ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--json", description = "Print one JSON object (totals and requests) instead of text.")
    boolean json;

    @Option(names = "--all", description = "List every request, not only those that differ.")
    boolean all;

    @Option(names = "--timeout", defaultValue = "30", description = "Seconds to reach the broker (default"
            + " ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        try {
            RunDiff diff = compare();
            if (json) {
                out.println(diff.toJson(all).toPrettyString());
            } else {
                diff.print(out, all);
            }
            out.flush();
            return diff.identical() ? IDENTICAL : DIFFERENT;
        } catch (RuntimeException e) {
            System.err.println("error: " + (e.getMessage() != null ? e.getMessage() : e));
            return ERROR;
        }
    }

    private RunDiff compare() {
        Map<String, String> settings = kafka.settings();
        Topics topics = Topics.from(settings);
        KafkaEndpoint endpoint = KafkaEndpoint.of(kafka);
        Map<String, Map<String, ResultDigest>> runs;
        try (TopicReader reader = new TopicReader(endpoint, List.of(topics.results()),
                Duration.ofSeconds(timeoutSeconds), "logitstream-diff")) {
            runs = RunResults.read(reader, new AvroDeserializer<>(ScoringResult.class,
                    new RestSchemaRegistryClient(endpoint.registryUrl())), new HashSet<>(List.of(run1, run2)));
        }
        for (String run : List.of(run1, run2)) {
            if (runs.get(run).isEmpty()) {
                throw new IllegalStateException("run '" + run + "' has no results on " + topics.results());
            }
        }
        return RunDiff.compare(run1, run2, runs.get(run1), runs.get(run2), tolerance);
    }
}
