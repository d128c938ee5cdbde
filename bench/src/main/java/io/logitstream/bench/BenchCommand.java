package io.logitstream.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bench}: performance measurements; {@code bench engine} compares our engine with transformers. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks. `bench engine`: our engine vs Hugging Face transformers on the same checkpoints"
                + " and inputs, in one run.",
        subcommands = {EngineBenchCommand.class})
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }
}
