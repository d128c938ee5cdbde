package io.logitstream.bench.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.bench.CpuMonitor;
import io.logitstream.bench.PythonReference;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The reference sides of {@code bench eval}, in one Python process ({@code bench/python/eval_reference.py}):
 * lm-evaluation-harness's own {@code hf} backend running a local task over the workload's items (written as
 * a JSON-lines data file), and plain transformers scoring every (context + candidate) from scratch.
 */
final class ReferenceSides {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PythonReference python;
    private final Path workDir;
    private final CpuMonitor monitor;
    private Path modelDir;
    private int dataFiles;

    /** @param workDir where the data files and the task definitions go */
    ReferenceSides(PythonReference python, Path workDir, CpuMonitor monitor) {
        this.python = python;
        this.workDir = workDir;
        this.monitor = monitor;
    }

    static String lmEvalLabel(int batchSize) {
        return "lm-eval hf, batch " + batchSize;
    }

    static final String TRANSFORMERS = "transformers, from scratch";

    /** The transformers side's checkpoint (lm-eval's HFLM loads the same folder on its first run). */
    void load(Path dir) throws IOException {
        ObjectNode req = PythonReference.request("load");
        req.put("dir", dir.toString());
        python.call(req);
        modelDir = dir;
    }

    /**
     * Untimed runs of both sides on other items: the first forwards of a process and of a model are slower, and
     * lm-eval's HFLM loads the checkpoint on its first run.
     */
    void warmup(EvalWorkload items, int lmEvalBatchSize) throws IOException {
        transformers(items);
        lmEval(items, lmEvalBatchSize);
    }

    /** lm_eval.simple_evaluate on a local multiple_choice task over the items, with HFLM at {@code batchSize}. */
    SideResult lmEval(EvalWorkload workload, int batchSize) throws IOException {
        // a new file per run: the datasets cache must never hand a run another run's items (the warm-up's, say)
        Path data = workDir.resolve("data").resolve(workload.name() + "-" + (dataFiles++) + ".jsonl");
        writeData(workload, data);
        ObjectNode req = PythonReference.request("lm_eval");
        req.put("dir", modelDir.toString());
        req.put("data", data.toString());
        req.put("task", "logitstream_bench_" + workload.name());
        req.put("task_dir", workDir.resolve("tasks").toString());
        req.put("batch_size", batchSize);
        CpuMonitor.Sample a = monitor.sample();
        JsonNode resp = python.call(req);
        double foreign = CpuMonitor.foreignShare(a, monitor.sample());
        double[][] ll = new double[workload.size()][];
        for (JsonNode item : resp.path("items")) {
            ll[item.path("doc_id").asInt()] = doubles(item.path("loglikelihoods"));
        }
        String detail = String.format(Locale.ROOT, "simple_evaluate %.1f s in all (task indexing, dataset, requests,"
                + " metrics), of which HFLM.loglikelihood %.1f s for %d requests; its acc %.3f",
                resp.path("wall_s").asDouble(), resp.path("loglikelihood_s").asDouble(), resp.path("requests").asInt(),
                resp.path("acc").asDouble(Double.NaN));
        return new SideResult(lmEvalLabel(batchSize), resp.path("loglikelihood_s").asDouble(), ll, null, null, foreign,
                detail);
    }

    /** One forward per (context + candidate), fp32, inference_mode; split into tokens as lm-eval splits a pair. */
    SideResult transformers(EvalWorkload workload) throws IOException {
        ObjectNode req = PythonReference.request("score");
        ArrayNode items = req.putArray("items");
        for (EvalItem item : workload.items()) {
            items.add(itemJson(item));
        }
        CpuMonitor.Sample a = monitor.sample();
        JsonNode resp = python.call(req);
        double foreign = CpuMonitor.foreignShare(a, monitor.sample());
        double[][] ll = new double[workload.size()][];
        List<int[]> contexts = new ArrayList<>();
        List<List<int[]>> candidates = new ArrayList<>();
        int i = 0;
        for (JsonNode item : resp.path("items")) {
            ll[i++] = doubles(item.path("loglikelihoods"));
            contexts.add(ints(item.path("context_ids")));
            List<int[]> cands = new ArrayList<>();
            item.path("candidate_ids").forEach(c -> cands.add(ints(c)));
            candidates.add(cands);
        }
        return new SideResult(TRANSFORMERS, resp.path("wall_s").asDouble(), ll,
                new SideResult.Tokenization(contexts, candidates), null, foreign, "");
    }

    private static void writeData(EvalWorkload workload, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            for (int i = 0; i < workload.size(); i++) {
                ObjectNode row = itemJson(workload.items().get(i));
                row.put("id", i);
                w.write(JSON.writeValueAsString(row));
                w.write('\n');
            }
        }
    }

    private static ObjectNode itemJson(EvalItem item) {
        ObjectNode n = JSON.createObjectNode();
        n.put("context", item.context());
        ArrayNode choices = n.putArray("choices");
        item.choices().forEach(choices::add);
        n.put("gold", item.gold());
        return n;
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
