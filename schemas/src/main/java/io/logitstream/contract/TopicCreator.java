package io.logitstream.contract;

/** Makes sure a topic exists before records are written to it. */
@FunctionalInterface
public interface TopicCreator {

    void ensure(String topic);
}
