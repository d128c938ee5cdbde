package io.logitstream.worker.engine.classification;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.worker.engine.config.ConfigException;
import io.logitstream.worker.engine.config.JsonFields;
import io.logitstream.worker.engine.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What config.json says about a {@code *ForSequenceClassification} checkpoint's {@code score} head:
 * its labels ({@code id2label}, transformers' {@code LABEL_i} when absent), the pad id that the
 * pooling skips, and the {@code problem_type} that decides what a probability means.
 *
 * @param architecture config.architectures[0], e.g. Qwen2ForSequenceClassification
 * @param labels       one name per output, in index order
 * @param padTokenId   {@code pad_token_id}, or null (then the last token is pooled)
 * @param problemType  how the logits turn into probabilities
 */
public record ClassificationHead(String architecture, List<String> labels, Integer padTokenId,
        ProblemType problemType) {

    /** The weight of the head: [num_labels, hidden], no bias, in every transformers *ForSequenceClassification. */
    public static final String SCORE_WEIGHT = "score.weight";
    private static final String SUFFIX = "ForSequenceClassification";

    /**
     * transformers' {@code problem_type}. Unset, it follows the loss transformers would pick:
     * one label is a regression (reward models), more are single-label classification.
     */
    public enum ProblemType {
        /** One score per input (reward models): no probability; the logit is the reward. */
        REGRESSION,
        /** Softmax over the labels. */
        SINGLE_LABEL,
        /** An independent sigmoid per label. */
        MULTI_LABEL
    }

    /** The head of a sequence-classification checkpoint, or empty for a causal LM. */
    public static Optional<ClassificationHead> of(ModelConfig config) {
        JsonNode raw = config.raw();
        JsonNode archs = raw.path("architectures");
        String architecture = archs.isArray() && !archs.isEmpty() ? archs.get(0).asText() : null;
        if (architecture == null || !architecture.endsWith(SUFFIX)) {
            return Optional.empty();
        }
        List<String> labels = labels(raw);
        String problem = JsonFields.optText(raw, "problem_type");
        ProblemType type;
        if (problem == null) {
            type = labels.size() == 1 ? ProblemType.REGRESSION : ProblemType.SINGLE_LABEL;
        } else {
            type = switch (problem) {
                case "regression" -> ProblemType.REGRESSION;
                case "single_label_classification" -> ProblemType.SINGLE_LABEL;
                case "multi_label_classification" -> ProblemType.MULTI_LABEL;
                default -> throw new ConfigException("config.json has problem_type '" + problem + "'; expected "
                        + "regression, single_label_classification or multi_label_classification");
            };
        }
        return Optional.of(new ClassificationHead(architecture, labels, config.padTokenId(), type));
    }

    /** transformers' PretrainedConfig: id2label when given (its size is num_labels), else num_labels (default 2). */
    private static List<String> labels(JsonNode raw) {
        JsonNode id2label = raw.path("id2label");
        int n = id2label.isObject() && id2label.size() > 0 ? id2label.size()
                : raw.path("num_labels").isInt() ? raw.path("num_labels").asInt() : 2;
        if (n < 1) {
            throw new ConfigException("config.json has num_labels " + n + "; a score head needs at least one");
        }
        List<String> labels = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            JsonNode name = id2label.path(Integer.toString(i));
            labels.add(name.isTextual() ? name.asText() : "LABEL_" + i);
        }
        return List.copyOf(labels);
    }

    public int numLabels() {
        return labels.size();
    }

    /**
     * The config the base decoder is built from: the same, with the LM head tied to the token
     * embedding, so that architectures load without an {@code lm_head.weight} (which these
     * checkpoints lack) and spend no memory on one. The tied head is never run.
     */
    public static ModelConfig decoderConfig(ModelConfig config) {
        ObjectNode raw = config.raw().deepCopy();
        raw.put("tie_word_embeddings", true);
        return ModelConfig.parse(raw, "config.json");
    }

    /**
     * Probabilities of the pooled logits as transformers' problem type reads them: softmax for
     * single-label classification, sigmoid per label for multi-label, null for regression.
     */
    public double[] probabilities(float[] logits) {
        double[] p = new double[logits.length];
        switch (problemType) {
            case REGRESSION:
                return null;
            case MULTI_LABEL:
                for (int i = 0; i < logits.length; i++) {
                    p[i] = 1 / (1 + Math.exp(-logits[i]));
                }
                return p;
            default:
                double max = Double.NEGATIVE_INFINITY;
                for (float l : logits) {
                    max = Math.max(max, l);
                }
                double sum = 0;
                for (int i = 0; i < logits.length; i++) {
                    p[i] = Math.exp(logits[i] - max);
                    sum += p[i];
                }
                for (int i = 0; i < logits.length; i++) {
                    p[i] /= sum;
                }
                return p;
        }
    }
}
