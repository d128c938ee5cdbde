package io.logitstream.worker.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.schema.ClassificationOutput;
import io.logitstream.schema.LabelScore;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.task.TaskRouter;
import io.logitstream.worker.task.TokenSink;
import io.logitstream.worker.task.WorkItem;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code classify}: a sequence-classification or reward model's label logits and probabilities
 * at the last non-padding token, printed as one JSON object. No Kafka: the request runs through
 * the same task code a worker uses, so the numbers are those a CLASSIFY result carries.
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Classify a text or conversation with a local *ForSequenceClassification checkpoint "
                + "(labels with logits and probabilities; a reward model's scalar).")
public final class ClassifyCommand implements Callable<Integer> {

    @Mixin
    ModelSelection model;

    @Mixin
    PromptInput input;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return CliJson.run(spec.commandLine().getErr(), this::classify);
    }

    private int classify() {
        long t0 = System.nanoTime();
        try (LoadedModel m = model.load()) {
            long loaded = System.nanoTime();
            // a reward model scores the conversation as it stands: no assistant prompt appended
            int[] ids = input.resolve(m, false);
            if (ids.length == 0) {
                throw new IllegalArgumentException("the input encodes to no tokens");
            }
            PromptRequest request = PromptRequest.newBuilder().setRequestId("cli").setModel(m.name())
                    .setTask(Task.CLASSIFY).setInputIds(Arrays.stream(ids).boxed().toList()).build();
            long now = System.currentTimeMillis();
            ScoringResult result = new TaskRouter(m, "cli").handle(new WorkItem(request, now, now), TokenSink.DISCARD);
            if (result.getStatus() != ResultStatus.OK) {
                throw new IllegalArgumentException(result.getError().getMessage());
            }
            long classified = System.nanoTime();
            ClassificationOutput c = result.getClassification();
            ObjectNode out = CliJson.header(m);
            out.set("input_ids", CliJson.ints(ids));
            out.put("pooled_index", c.getPooledIndex());
            out.put("problem_type", c.getProblemType());
            ArrayNode labels = out.putArray("labels");
            for (LabelScore s : c.getLabels()) {
                ObjectNode l = labels.addObject();
                l.put("index", s.getIndex());
                l.put("label", s.getLabel());
                CliJson.putNumber(l, "logit", s.getLogit());
                if (s.getProbability() == null) {
                    l.putNull("probability");
                } else {
                    CliJson.putNumber(l, "probability", s.getProbability());
                }
            }
            out.put("best_index", c.getBestIndex());
            out.put("best_label", c.getBestLabel());
            if (c.getReward() == null) {
                out.putNull("reward");
            } else {
                CliJson.putNumber(out, "reward", c.getReward());
            }
            ObjectNode timing = out.putObject("timing_ms");
            timing.put("load", (loaded - t0) / 1e6);
            timing.put("classify", (classified - loaded) / 1e6);
            CliJson.print(spec.commandLine().getOut(), out);
            return 0;
        }
    }
}
