package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.ClassificationOutput;
import io.logitstream.schema.LabelScore;
import io.logitstream.schema.PromptRequest;
import io.logitstream.worker.engine.classification.ClassificationHead;
import io.logitstream.worker.engine.classification.ClassificationWork;
import io.logitstream.worker.engine.classification.LastTokenPooling;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * CLASSIFY: a {@code *ForSequenceClassification} model's label logits at the last non-padding
 * token (transformers' pooling), with probabilities as its problem type defines them, the best
 * label and, for reward models (one label), the reward.
 */
final class ClassifyTask implements ModelTask {

    private final ClassificationHead head;

    ClassifyTask(ClassificationHead head) {
        this.head = head;
    }

    @Override
    public TaskWork plan(PromptRequest request, int[] inputIds, Map<String, String> parameters, TokenSink tokens) {
        int pooled = LastTokenPooling.index(inputIds, head.padTokenId());
        parameters.put("problem_type", problemType());
        ClassificationWork work = new ClassificationWork(inputIds, pooled);
        return new TaskWork(work, result -> result.setClassification(output(work.logits(), pooled)));
    }

    ClassificationOutput output(float[] logits, int pooled) {
        double[] probabilities = head.probabilities(logits);
        List<LabelScore> labels = new ArrayList<>(logits.length);
        int best = 0;
        for (int i = 0; i < logits.length; i++) {
            labels.add(new LabelScore(i, head.labels().get(i), logits[i],
                    probabilities == null ? null : probabilities[i]));
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return ClassificationOutput.newBuilder()
                .setLabels(labels)
                .setBestIndex(best)
                .setBestLabel(head.labels().get(best))
                .setReward(head.numLabels() == 1 ? logits[0] : null)
                .setPooledIndex(pooled)
                .setProblemType(problemType())
                .build();
    }

    private String problemType() {
        return switch (head.problemType()) {
            case REGRESSION -> "regression";
            case SINGLE_LABEL -> "single_label_classification";
            case MULTI_LABEL -> "multi_label_classification";
        };
    }

    /** The answer to CLASSIFY on a causal LM. */
    static ModelTask refusedWithoutScoreHead(String modelName) {
        return refused(ErrorCodes.UNSUPPORTED, "CLASSIFY needs a sequence-classification or reward model "
                + "(config.json architectures *ForSequenceClassification, a score head); '" + modelName
                + "' is a causal LM: use SCORE, CHOICE, TEACHER or GENERATE");
    }

    /** The answer to an LM task on a classifier. */
    static ModelTask refusedWithoutLmHead(String modelName, ClassificationHead head, String task) {
        return refused(ErrorCodes.UNSUPPORTED, task + " needs a language-model head; '" + modelName + "' is a "
                + head.architecture() + " with a score head over " + head.numLabels() + " label"
                + (head.numLabels() == 1 ? "" : "s") + ": send task CLASSIFY");
    }

    private static ModelTask refused(String code, String message) {
        return (request, inputIds, parameters, tokens) -> {
            throw new TaskException(code, message);
        };
    }
}
