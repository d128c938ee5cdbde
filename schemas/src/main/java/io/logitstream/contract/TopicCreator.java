package io.logitstream.contract;

/**
 * Makes sure a topic exists before records are written to it. Throws {@link IllegalArgumentException}
 * when the broker refuses the name itself (retrying will not help), any other exception when the
 * broker could not be asked (retrying may).
 */
@FunctionalInterface
public interface TopicCreator {

    void ensure(String topic);
}
