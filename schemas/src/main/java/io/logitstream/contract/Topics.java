package io.logitstream.contract;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Topic names of the data flow. Every name is configurable; these are the defaults. Requests for
 * one model go to their own topic, {@code <requestsPrefix><model>}, so one consumer group per
 * model forms a worker pool.
 */
public record Topics(String prompts, String requestsPrefix, String results, String tokens, String deadLetters) {

    public static final String PROMPTS_KEY = "logitstream.topic.prompts";
    public static final String REQUESTS_PREFIX_KEY = "logitstream.topic.requests.prefix";
    public static final String RESULTS_KEY = "logitstream.topic.results";
    public static final String TOKENS_KEY = "logitstream.topic.tokens";
    public static final String DLQ_KEY = "logitstream.topic.dlq";

    private static final Pattern ILLEGAL_TOPIC_CHARS = Pattern.compile("[^a-zA-Z0-9._-]");
    /** Kafka's limit on topic name length. */
    private static final int MAX_TOPIC_LENGTH = 249;

    public static Topics defaults() {
        return new Topics("llm.prompts", "llm.requests.", "llm.results", "llm.tokens", "llm.dlq");
    }

    /** Defaults overridden by whichever of the {@code logitstream.topic.*} keys are present. */
    public static Topics from(Map<String, ?> config) {
        Topics d = defaults();
        return new Topics(
                value(config, PROMPTS_KEY, d.prompts),
                value(config, REQUESTS_PREFIX_KEY, d.requestsPrefix),
                value(config, RESULTS_KEY, d.results),
                value(config, TOKENS_KEY, d.tokens),
                value(config, DLQ_KEY, d.deadLetters));
    }

    /**
     * The request topic of a model. Characters Kafka does not allow in topic names (such as the
     * slash of {@code org/model}) become underscores, so {@code Qwen/Qwen2-0.5B} maps to
     * {@code llm.requests.Qwen_Qwen2-0.5B}.
     */
    public String requestsFor(String model) {
        String topic = requestsPrefix + ILLEGAL_TOPIC_CHARS.matcher(model).replaceAll("_");
        if (topic.length() > MAX_TOPIC_LENGTH) {
            throw new IllegalArgumentException("Model name too long for a topic name: " + model);
        }
        return topic;
    }

    private static String value(Map<String, ?> config, String key, String fallback) {
        Object v = config.get(key);
        return v == null || v.toString().isBlank() ? fallback : v.toString();
    }
}
