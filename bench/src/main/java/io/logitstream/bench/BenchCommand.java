package io.logitstream.bench;

import io.logitstream.bench.serve.ServeBenchCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: performance measurements. {@code bench engine} compares our engine with transformers;
 * {@code bench serve} measures the serving core through Kafka, alone and against transformers.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks. `bench engine`: our engine vs Hugging Face transformers on the same checkpoints"
                + " and inputs, in one run. `bench serve`: the serving core through Kafka vs the engine alone vs"
                + " transformers' batched generate.",
        subcommands = {EngineBenchCommand.class, ServeBenchCommand.class})
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }
}
