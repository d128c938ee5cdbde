package io.logitstream.contract;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Maps model names to request-topic names, one to one, so two models never share a topic.
 *
 * <p>Model names are Hugging Face style ids: segments of {@code [A-Za-z0-9._-]} joined by {@code /}.
 * Kafka allows {@code [a-zA-Z0-9._-]} in topic names, so {@code /} becomes {@code _} (as before:
 * {@code Qwen/Qwen2-0.5B} is {@code llm.requests.Qwen_Qwen2-0.5B}) and a literal {@code _} becomes
 * {@code __}: {@code a/b} maps to {@code a_b}, {@code a_b} to {@code a__b}. Read back, a single
 * underscore is a slash and a pair is an underscore; for that to hold, a name has no empty segment
 * (leading, trailing or double {@code /}) and no {@code _} next to a {@code /}. Any other character
 * is rejected rather than replaced, since replacing is what made names collide.
 *
 * <p>Kafka itself refuses a topic whose name differs from an existing one only by {@code .} versus
 * {@code _} (their metric names would collide), e.g. the topics of {@code a.b} and {@code a/b}:
 * creating the second fails, and the topology answers that request as invalid.
 */
public final class ModelTopicNames {

    /** Kafka's limit on topic name length. */
    public static final int MAX_TOPIC_LENGTH = 249;
    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9._/-]*");

    private ModelTopicNames() {
    }

    /** Why {@code model} cannot name a request topic under {@code prefix}; empty when it can. */
    public static Optional<String> problem(String prefix, String model) {
        if (model == null || model.isEmpty()) {
            return Optional.of("model is required: name the model pool that should serve the request");
        }
        int room = MAX_TOPIC_LENGTH - prefix.length();
        if (model.length() > room) { // checked first: the pattern match below must not run on megabytes
            return Optional.of("model name is " + model.length() + " characters long; its request topic must fit"
                    + " Kafka's " + MAX_TOPIC_LENGTH + " characters, so at most " + room + " are left after '"
                    + prefix + "'");
        }
        if (!ALLOWED.matcher(model).matches()) {
            return Optional.of("model name '" + model + "' may contain only letters, digits, '.', '_', '-' and"
                    + " '/' between segments");
        }
        if (model.startsWith("/") || model.endsWith("/") || model.contains("//") || model.contains("_/")
                || model.contains("/_")) {
            return Optional.of("model name '" + model + "' has an empty segment or a '_' next to a '/'; such"
                    + " names cannot map to a topic of their own");
        }
        String topic = prefix + suffix(model);
        if (topic.length() > MAX_TOPIC_LENGTH) {
            return Optional.of("model name '" + model + "' gives the request topic '" + topic + "', longer than"
                    + " Kafka's " + MAX_TOPIC_LENGTH + " characters ('_' counts twice)");
        }
        return Optional.empty();
    }

    /**
     * The model name a request-topic suffix stands for, the inverse of {@link #suffix}: a pair of
     * underscores is an underscore, a single one a slash. Empty when no valid model name maps to it
     * (an odd run of underscores next to a slash, for example), so a foreign topic under the prefix
     * is not taken for a model.
     */
    public static Optional<String> model(String suffix) {
        StringBuilder out = new StringBuilder(suffix.length());
        for (int i = 0; i < suffix.length(); i++) {
            char c = suffix.charAt(i);
            if (c == '_' && i + 1 < suffix.length() && suffix.charAt(i + 1) == '_') {
                out.append('_');
                i++;
            } else {
                out.append(c == '_' ? '/' : c);
            }
        }
        String model = out.toString();
        boolean roundTrips = model.length() <= MAX_TOPIC_LENGTH && ALLOWED.matcher(model).matches()
                && problem("", model).isEmpty() && suffix(model).equals(suffix);
        return roundTrips ? Optional.of(model) : Optional.empty();
    }

    /** The topic suffix of a model name that has no {@link #problem}. */
    public static String suffix(String model) {
        StringBuilder out = new StringBuilder(model.length() + 8);
        for (int i = 0; i < model.length(); i++) {
            char c = model.charAt(i);
            switch (c) {
                case '/' -> out.append('_');
                case '_' -> out.append("__");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
