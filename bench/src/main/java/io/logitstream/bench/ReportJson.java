package io.logitstream.bench;

import static io.logitstream.bench.Fmt.median;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.bench.Report.Gemm;
import io.logitstream.bench.Report.ModelResult;
import io.logitstream.bench.Report.Profile;
import io.logitstream.bench.Report.WorkloadResult;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** The raw numbers of a {@link Report} as JSON (written next to its markdown). */
final class ReportJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportJson() {
    }

    static ObjectNode of(Report report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("date", report.date.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        root.set("args", JSON.valueToTree(report.args));
        root.put("quick", report.quick);
        root.put("profile", report.profile);
        root.put("seed", report.seed);
        root.put("new_tokens", report.newTokens);
        root.put("top_k", report.topK);
        root.put("wall_s", report.wallSeconds);
        Machine.describe(root, report.foreignShare, report.djlVersion, report.libtorchVersion, report.hfInfo);
        ObjectNode th = root.putObject("threads");
        th.put("requested_intra_op", report.threads);
        th.put("ours_intra_op", report.oursThreads[0]);
        th.put("ours_inter_op", report.oursThreads[1]);
        if (report.hfInfo != null) {
            th.set("transformers", report.hfInfo.path("threads"));
        }
        ObjectNode peak = root.putObject("matmul_2048_gflops");
        peak.put("ours", report.peakOurs);
        peak.put("transformers_torch", report.peakHf);
        peak.put("machine_peak", report.machinePeak());
        root.put("flops_formula", ModelFlops.FORMULA);
        root.set("skipped", JSON.valueToTree(report.skipped));
        ArrayNode ms = root.putArray("models");
        for (ModelResult m : report.models) {
            ObjectNode mj = ms.addObject();
            mj.put("name", m.name);
            mj.put("dir", m.dir.toString());
            mj.put("model_type", m.config.modelType());
            mj.set("config", m.config.raw());
            mj.put("params_transformers", m.hfParams);
            mj.put("dense_params", m.flops.denseParams());
            mj.put("lm_head_params", m.flops.lmHeadParams());
            mj.put("embedding_params", m.flops.embeddingParams());
            mj.put("ours_load_ms", m.oursLoadMs);
            mj.put("transformers_load_s", m.hfLoadSeconds);
            mj.put("transformers_attn_implementation", m.hfAttn);
            ArrayNode ws = mj.putArray("workloads");
            for (WorkloadResult r : m.workloads) {
                ws.add(workloadJson(report, r, m.flops));
            }
            if (m.profile != null) {
                Profile p = m.profile;
                ObjectNode pj = mj.putObject("profile");
                pj.put("workload", p.workload.name());
                pj.put("real_positions", p.realPositions);
                pj.put("padded_positions", p.paddedPositions);
                pj.put("input_order_padded_positions", p.inputOrderPaddedPositions);
                pj.put("real_attention_cells", p.realAttentionCells);
                pj.put("padded_attention_cells", p.paddedAttentionCells);
                pj.set("sub_batches", JSON.valueToTree(p.subBatches));
                pj.set("input_order_sub_batches", JSON.valueToTree(p.inputOrderSubBatches));
                pj.put("foreign_cpu_share", p.foreignShare);
                if (p.batchedGeneration != null) {
                    pj.set("generate_b8_batched_prototype", workloadJson(report, p.batchedGeneration, m.flops));
                }
                if (p.oursSplit != null) {
                    ObjectNode sp = pj.putObject("split");
                    sp.set("chunk_rows", JSON.valueToTree(p.chunkRows));
                    sp.set("ours_forward_then_post_per_chunk_rows_s", JSON.valueToTree(p.oursSplit));
                    sp.set("transformers_forward_then_post_s", JSON.valueToTree(p.hfSplit));
                    sp.put("foreign_cpu_share", p.splitForeignShare);
                }
                ObjectNode rows = pj.putObject("seconds");
                p.rows.forEach((k, v) -> {
                    ObjectNode o = rows.putObject(k);
                    o.put("ours", v[0]);
                    o.put("transformers", v[1]);
                });
            }
        }
        if (report.micro != null) {
            ObjectNode mj = root.putObject("micro");
            ArrayNode gs = mj.putArray("gemm");
            for (Gemm g : report.micro.gemms) {
                ObjectNode o = gs.addObject();
                o.put("m", g.m());
                o.put("k", g.k());
                o.put("n", g.n());
                o.put("ours_s", g.oursSeconds());
                o.put("transformers_s", g.hfSeconds());
                o.put("ours_gflops", g.flops() / g.oursSeconds() / 1e9);
                o.put("transformers_gflops", g.flops() / g.hfSeconds() / 1e9);
            }
            Report.Micro micro = report.micro;
            mj.set("activation_shape", micro.activationShape == null ? null : JSON.valueToTree(micro.activationShape));
            mj.put("ours_gelu_new_s", report.micro.geluNewOurs);
            mj.put("ours_gelu_exact_s", report.micro.geluExactOurs);
            mj.put("torch_gelu_tanh_s", report.micro.geluTanhHf);
            mj.put("transformers_gelu_new_s", report.micro.geluNewHf);
            if (report.micro.geluAlternatives != null) {
                mj.put("bench_gelu_tanh_no_pow_s", report.micro.geluAlternatives[0]);
                mj.put("bench_gelu_sigmoid_form_s", report.micro.geluAlternatives[1]);
                mj.put("bench_gelu_tanh_no_pow_max_diff", report.micro.geluAlternatives[2]);
                mj.put("bench_gelu_sigmoid_form_max_diff", report.micro.geluAlternatives[3]);
            }
            mj.put("activation_calls_per_score_b32", report.micro.activationCallsPerB32);
            mj.set("attention_largest_shape", JSON.valueToTree(report.micro.attentionShape));
            mj.put("attention_note", "seconds summed over all layers and sub-batches of score b32");
            mj.put("ours_attention_s", report.micro.attentionOurs);
            mj.put("torch_attention_eager_s", report.micro.attentionEagerHf);
            mj.put("torch_attention_sdpa_s", report.micro.attentionSdpaHf);
            mj.put("ours_tiny_op_s", report.micro.tinyOpOurs);
            mj.put("torch_tiny_op_s", report.micro.tinyOpHf);
            if (report.micro.overhead != null) {
                mj.put("overhead_model", report.micro.overheadModel);
                mj.set("overhead_generate_b1", workloadJson(report, report.micro.overhead, null));
            }
        }
        return root;
    }

    private static ObjectNode workloadJson(Report report, WorkloadResult r, ModelFlops f) {
        Workload w = r.workload();
        ObjectNode o = JSON.createObjectNode();
        o.put("name", w.name());
        o.put("kind", w.kind().name().toLowerCase(Locale.ROOT));
        o.put("batch", w.batch());
        o.set("lengths", JSON.valueToTree(w.seqs().stream().mapToInt(s -> s.length).toArray()));
        o.put("reps", w.reps());
        double tokens = w.countedTokens(report.newTokens);
        o.put("tokens", tokens);
        double flops = f == null ? Double.NaN : f.workload(w, report.newTokens);
        o.put("flops", flops);
        side(o.putObject("ours"), r.oursTimes, tokens, flops);
        side(o.putObject("transformers"), r.hfTimes, tokens, flops);
        o.put("ratio_ours_over_transformers", median(r.hfTimes) / median(r.oursTimes));
        o.set("check", JSON.valueToTree(ResultCheck.of(r)));
        o.put("foreign_cpu_share", r.foreignShare);
        o.put("discarded_pairs", r.discarded);
        return o;
    }

    private static void side(ObjectNode o, List<Double> times, double tokens, double flops) {
        o.set("times_s", JSON.valueToTree(times));
        double med = median(times);
        o.put("median_s", med);
        o.put("tokens_per_s", tokens / med);
        o.put("gflops", flops / med / 1e9);
    }
}
