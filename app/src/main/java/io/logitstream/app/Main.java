package io.logitstream.app;

import io.logitstream.app.batch.SubmitCommand;
import io.logitstream.app.runs.DiffCommand;
import io.logitstream.app.runs.ReplayCommand;
import io.logitstream.app.runs.RunsCommand;
import io.logitstream.bench.BenchCommand;
import io.logitstream.worker.cli.ClassifyCommand;
import io.logitstream.worker.cli.GenerateCommand;
import io.logitstream.worker.cli.ScoreCommand;
import io.logitstream.worker.cli.WorkerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code logitstream} command. */
@Command(name = "logitstream", mixinStandardHelpOptions = true, version = "LogitStream 0.1.0",
        description = "Score and generate text with causal language models over Kafka.",
        subcommands = {
            UpCommand.class,
            TopologyCommand.class,
            WorkerCommand.class,
            SendCommand.class,
            WatchCommand.class,
            GatewayCommand.class,
            SubmitCommand.class,
            ReplayCommand.class,
            DiffCommand.class,
            RunsCommand.class,
            ScoreCommand.class,
            GenerateCommand.class,
            ClassifyCommand.class,
            BenchCommand.class,
        })
public final class Main {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling: errors a user can act on are printed without a stack trace. */
    static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    commandLine.getErr().println("error: " + (e.getMessage() != null ? e.getMessage() : e));
                    if (Boolean.getBoolean("logitstream.debug")) {
                        e.printStackTrace(commandLine.getErr());
                    }
                    return 1;
                });
    }
}
