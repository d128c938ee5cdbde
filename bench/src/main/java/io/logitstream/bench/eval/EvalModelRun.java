package io.logitstream.bench.eval;

import io.logitstream.bench.CpuMonitor;
import io.logitstream.bench.Fmt;
import io.logitstream.bench.serve.AppProcess;
import io.logitstream.bench.serve.KafkaLink;
import io.logitstream.bench.serve.Resources;
import io.logitstream.bench.serve.ServeStack;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.tokenizer.TextTokenizer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code bench eval} on one checkpoint: a worker process serving it, the workloads built with its tokenizer,
 * every side on every workload (lm-eval at its first batch size, ours, transformers, lm-eval at the other batch
 * sizes, so ours runs between the references), then the chat-session workload (ours only).
 */
final class EvalModelRun {
    /** Wait before each side until other processes use at most this share of the CPUs. */
    static final double QUIET_SHARE = 0.25;
    /** Seed offsets: the warm-up items differ from the measured ones (another subject, another prefix). */
    static final long WARMUP_SEED = 1000;

    /** What every checkpoint's run shares. */
    record Context(Path root, Path logs, ServeStack stack, KafkaLink link, ReferenceSides reference, CpuMonitor monitor,
            Resources resources, EvalReport.Plan plan, String runTag, Duration timeout, double waitQuiet,
            PrintStream log) {
    }

    private final Context c;

    EvalModelRun(Context c) {
        this.c = c;
    }

    EvalReport.ModelRun run(String name, Path dir) throws Exception {
        c.log().println("== " + name + " (" + dir + ")");
        EvalReport.Plan plan = c.plan();
        ModelConfig config = ModelConfig.load(dir);
        List<EvalWorkload> workloads;
        List<EvalWorkload> warmups;
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            EvalWorkloads generator = EvalWorkloads.withTokenizer(t -> tokenizer.encode(t, false).length);
            workloads = List.of(
                    generator.mmlu(plan.seed(), plan.items(), plan.mmluPrefixTokens()),
                    generator.hellaswag(plan.seed() + 1, plan.items(), plan.hellaswagContextTokens()));
            warmups = List.of(
                    generator.mmlu(plan.seed() + WARMUP_SEED, 2, plan.mmluPrefixTokens()),
                    generator.hellaswag(plan.seed() + WARMUP_SEED + 1, 2, plan.hellaswagContextTokens()));
        }
        checkFits(workloads, config);
        AppProcess worker = c.resources().add(AppProcess.worker(c.root(), c.logs(), c.stack(), name, dir, plan.threads(),
                Map.of()));
        c.monitor().watch(worker.pid());
        try {
            OurSide ours = new OurSide(c.link().target(name, OurSide.LABEL, worker::failure), c.runTag(), plan.window(),
                    c.timeout(), c.monitor(), c.log());
            if (c.reference() != null) {
                c.reference().load(dir);
                for (EvalWorkload w : warmups) {
                    c.reference().warmup(w, plan.lmEvalBatchSizes().get(0));
                }
            }
            c.log().println("  warm-up (until the worker process answers) ...");
            for (EvalWorkload w : warmups) {
                ours.warmup(w);
            }
            List<WorkloadRun> runs = new ArrayList<>();
            for (EvalWorkload w : workloads) {
                runs.add(runWorkload(w, ours));
            }
            SessionBench.Result session = null;
            if (plan.session() != null) {
                c.log().printf("  chat session: %d conversations, second turn of %d tokens after %d ...%n",
                        plan.session().conversations(), plan.session().turnTokens(), plan.session().historyTokens());
                quiet();
                session = new SessionBench(c.link().target(name, OurSide.LABEL, worker::failure), c.runTag(),
                        c.timeout(), c.monitor(), c.log()).run(plan.session(), config.vocabSize());
                c.log().printf("    second turn p50: session %.3f s, no session %.3f s, cold %.3f s%n",
                        Fmt.median(session.session()),
                        Fmt.median(session.noSession()),
                        Fmt.median(session.cold()));
            }
            return new EvalReport.ModelRun(name, dir, runs, session);
        } finally {
            c.monitor().forget(worker.pid());
            c.resources().close(worker);
        }
    }

    /** Every sequence a side runs must fit the checkpoint's positions (else the sides fail in different ways). */
    private void checkFits(List<EvalWorkload> workloads, ModelConfig config) {
        for (EvalWorkload w : workloads) {
            if (w.longestPair() > config.maxPositions()) {
                throw new IllegalArgumentException(w.name() + ": the longest (context + candidate) has " + w.longestPair()
                        + " tokens, over the checkpoint's " + config.maxPositions() + " positions; lower"
                        + " --mmlu-prefix-tokens or --hellaswag-context-tokens");
            }
        }
        SessionBench.Plan s = c.plan().session();
        if (s != null && s.historyTokens() + s.turnTokens() + 2 * s.newTokens() > config.maxPositions()) {
            throw new IllegalArgumentException("chat session: a second turn has " + (s.historyTokens() + s.turnTokens()
                    + 2 * s.newTokens()) + " tokens, over the checkpoint's " + config.maxPositions() + " positions;"
                    + " lower --history-tokens");
        }
    }

    private WorkloadRun runWorkload(EvalWorkload w, OurSide ours) throws Exception {
        c.log().println("  " + w.name() + ": " + w.describe());
        List<Integer> batchSizes = c.plan().lmEvalBatchSizes();
        List<SideResult> lmEval = new ArrayList<>();
        SideResult transformers = null;
        if (c.reference() != null) {
            quiet();
            lmEval.add(report(c.reference().lmEval(w, batchSizes.get(0))));
        }
        quiet();
        SideResult our = report(ours.run(w));
        if (c.reference() != null) {
            quiet();
            transformers = report(c.reference().transformers(w));
            for (int bs : batchSizes.subList(1, batchSizes.size())) {
                quiet();
                lmEval.add(report(c.reference().lmEval(w, bs)));
            }
        }
        return new WorkloadRun(w, our, lmEval, transformers);
    }

    private void quiet() throws InterruptedException {
        c.monitor().waitForQuiet(QUIET_SHARE, c.waitQuiet());
    }

    private SideResult report(SideResult s) {
        c.log().printf("    %-28s %7.2f s  %6.2f items/s  (others' CPU %.0f%%)%n", s.label(), s.seconds(),
                s.itemsPerSecond(), 100 * s.foreignShare());
        return s;
    }
}
