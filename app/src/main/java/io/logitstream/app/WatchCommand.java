package io.logitstream.app;

import io.logitstream.contract.Topics;
import io.logitstream.worker.cli.KafkaOptions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints results, token chunks and dead letters as JSON lines while they arrive. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Print results, token chunks and dead letters as JSON lines as they arrive (Ctrl-C to stop).")
public final class WatchCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--from-beginning", description = "Replay everything already on the topics first.")
    boolean fromBeginning;

    @Option(names = "--timeout", defaultValue = "30", description = "Seconds to reach the broker at start before"
            + " giving up (default ${DEFAULT-VALUE}); once running, a lost broker is reported and retried.")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        Map<String, String> settings = kafka.settings();
        Topics topics = Topics.from(settings);
        OutputWatcher watcher = new OutputWatcher(KafkaEndpoint.of(kafka.bootstrapServers(), kafka.registryUrl(),
                settings), topics, fromBeginning, Duration.ofSeconds(timeoutSeconds),
                OutputWatcher.jsonLines(System.out, topics));
        Runtime.getRuntime().addShutdownHook(new Thread(watcher::close));
        watcher.run();
        return 0;
    }
}
