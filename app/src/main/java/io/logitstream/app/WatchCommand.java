package io.logitstream.app;

import io.logitstream.contract.Topics;
import io.logitstream.worker.cli.KafkaOptions;
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

    @Override
    public Integer call() throws Exception {
        Topics topics = Topics.from(kafka.settings());
        OutputWatcher watcher = new OutputWatcher(kafka.bootstrapServers(), kafka.registryUrl(), topics,
                fromBeginning, OutputWatcher.jsonLines(System.out, topics));
        Runtime.getRuntime().addShutdownHook(new Thread(watcher::close));
        watcher.run();
        return 0;
    }
}
