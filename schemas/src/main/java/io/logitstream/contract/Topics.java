package io.logitstream.contract;

import java.util.Map;
import java.util.Optional;

/**
 * Topic names of the data flow. Every name is configurable; these are the defaults. Requests for
 * one model go to their own topic, {@code <requestsPrefix><model>}, so one consumer group per
 * model forms a worker pool. {@code runs} holds the topology's run summaries (compacted, keyed by run_id).
 */
public record Topics(String prompts, String requestsPrefix, String results, String tokens, String deadLetters,
        String runs) {

    public static final String PROMPTS_KEY = "logitstream.topic.prompts";
    public static final String REQUESTS_PREFIX_KEY = "logitstream.topic.requests.prefix";
    public static final String RESULTS_KEY = "logitstream.topic.results";
    public static final String TOKENS_KEY = "logitstream.topic.tokens";
    public static final String DLQ_KEY = "logitstream.topic.dlq";
    public static final String RUNS_KEY = "logitstream.topic.runs";

    public static Topics defaults() {
        return new Topics("llm.prompts", "llm.requests.", "llm.results", "llm.tokens", "llm.dlq", "llm.runs");
    }

    /** Defaults overridden by whichever of the {@code logitstream.topic.*} keys are present. */
    public static Topics from(Map<String, ?> config) {
        Topics d = defaults();
        return new Topics(
                value(config, PROMPTS_KEY, d.prompts),
                value(config, REQUESTS_PREFIX_KEY, d.requestsPrefix),
                value(config, RESULTS_KEY, d.results),
                value(config, TOKENS_KEY, d.tokens),
                value(config, DLQ_KEY, d.deadLetters),
                value(config, RUNS_KEY, d.runs));
    }

    /**
     * The request topic of a model, one per model name ({@link ModelTopicNames}): {@code /} becomes
     * {@code _} and {@code _} becomes {@code __}, so {@code Qwen/Qwen2-0.5B} maps to
     * {@code llm.requests.Qwen_Qwen2-0.5B} and {@code a/b}, {@code a_b} to different topics.
     *
     * @throws IllegalArgumentException when the name cannot name a topic (see {@link #modelNameProblem})
     */
    public String requestsFor(String model) {
        modelNameProblem(model).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
        return requestsPrefix + ModelTopicNames.suffix(model);
    }

    /** Why {@code model} cannot have a request topic (bad characters, too long); empty when it can. */
    public Optional<String> modelNameProblem(String model) {
        return ModelTopicNames.problem(requestsPrefix, model);
    }

    private static String value(Map<String, ?> config, String key, String fallback) {
        Object v = config.get(key);
        return v == null || v.toString().isBlank() ? fallback : v.toString();
    }
}
