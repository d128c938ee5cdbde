package io.logitstream.topology.route;

import io.logitstream.contract.TopicCreator;
import io.logitstream.contract.Topics;
import io.logitstream.schema.PromptRequest;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.TopicNameExtractor;

/**
 * Names the request topic of a record's model and makes sure it exists: Kafka Streams does not
 * create the topics a dynamic sink writes to, so the first request for a model creates its topic.
 */
public final class RequestTopics implements TopicNameExtractor<String, PromptRequest> {

    private final Topics topics;
    private final TopicCreator creator;

    public RequestTopics(Topics topics, TopicCreator creator) {
        this.topics = topics;
        this.creator = creator;
    }

    @Override
    public String extract(String key, PromptRequest request, RecordContext recordContext) {
        String topic = topics.requestsFor(request.getModel());
        creator.ensure(topic);
        return topic;
    }
}
