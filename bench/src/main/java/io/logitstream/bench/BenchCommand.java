package io.logitstream.bench;

import io.logitstream.bench.eval.EvalBenchCommand;
import io.logitstream.bench.serve.ServeBenchCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: performance measurements. {@code bench engine} compares our engine with transformers;
 * {@code bench serve} measures the serving core through Kafka, alone and against transformers; {@code bench eval}
 * runs evaluation-shaped workloads through Kafka against lm-evaluation-harness and transformers.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks. `bench engine`: our engine vs Hugging Face transformers on the same checkpoints"
                + " and inputs, in one run. `bench serve`: the serving core through Kafka vs the engine alone vs"
                + " transformers' batched generate. `bench eval`: MMLU/HellaSwag-shaped CHOICE workloads through Kafka vs"
                + " lm-evaluation-harness's hf backend vs transformers, and a chat session's second turn.",
        subcommands = {EngineBenchCommand.class, ServeBenchCommand.class, EvalBenchCommand.class})
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }
}
