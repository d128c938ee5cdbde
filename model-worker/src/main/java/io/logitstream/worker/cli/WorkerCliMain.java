package io.logitstream.worker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * A minimal entry point for the engine commands ({@code score}, {@code generate}, {@code classify}) without Kafka;
 * the product's {@code ./logitstream} launcher registers the same command classes.
 */
@Command(name = "logitstream-worker", mixinStandardHelpOptions = true,
        subcommands = {ScoreCommand.class, GenerateCommand.class, ClassifyCommand.class},
        description = "Run the LogitStream engine directly on a local checkpoint.")
public final class WorkerCliMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    public static CommandLine commandLine() {
        return new CommandLine(new WorkerCliMain());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
