package io.logitstream.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.bench.CpuMonitor;
import io.logitstream.bench.PythonReference;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' batched {@code generate} as the serving baseline, in the Python child process
 * ({@code hf_bench.py serve}): the prompts in consecutive left-padded batches, greedy, exactly the
 * asked new tokens, every step clocked.
 */
final class TransformersSide {
    private final PythonReference hf;
    private final CpuMonitor monitor;
    private final double waitQuiet;

    TransformersSide(PythonReference hf, CpuMonitor monitor, double waitQuiet) {
        this.hf = hf;
        this.monitor = monitor;
        this.waitQuiet = waitQuiet;
    }

    static String label(int prompts, int batch) {
        return batch >= prompts ? "transformers batch " + prompts
                : "transformers batch " + batch + " x " + (prompts + batch - 1) / batch;
    }

    void load(Path dir) throws IOException {
        ObjectNode load = PythonReference.request("load");
        load.put("dir", dir.toString());
        load.put("attn", "sdpa");
        hf.call(load);
    }

    /** Untimed: the first generate of a process pays for lazy initialisation. */
    void warmup(List<int[]> prompts) throws IOException {
        run(prompts, 4, prompts.size());
    }

    ServeMetrics generate(List<int[]> prompts, int newTokens, int batch) throws IOException, InterruptedException {
        monitor.waitForQuiet(LoadRunner.QUIET_SHARE, waitQuiet);
        CpuMonitor.Sample a = monitor.sample();
        JsonNode r = run(prompts, newTokens, batch);
        return ServeMetrics.ofReference(label(prompts.size(), batch), r, CpuMonitor.foreignShare(a, monitor.sample()));
    }

    private JsonNode run(List<int[]> prompts, int newTokens, int batch)
            throws IOException {
        ObjectNode req = PythonReference.request("serve");
        req.set("seqs", PythonReference.idsJson(prompts));
        req.put("new_tokens", newTokens);
        req.put("batch", batch);
        return hf.call(req);
    }
}
