package io.logitstream.bench;

import picocli.CommandLine;

/**
 * Standalone entry point of the bench commands ({@code bench/run.sh engine ...}), for running them
 * without the app; {@code ./logitstream bench engine} runs the same {@link BenchCommand}.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-bench.xml");
        }
        CommandLine cli = new CommandLine(new BenchCommand())
                .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    commandLine.getErr().println("error: " + (e.getMessage() != null ? e.getMessage() : e));
                    if (Boolean.getBoolean("logitstream.debug")) {
                        e.printStackTrace(commandLine.getErr());
                    }
                    return 1;
                });
        System.exit(cli.execute(args));
    }
}
