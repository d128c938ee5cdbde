package io.logitstream.topology.route;

import io.logitstream.contract.Topics;
import io.logitstream.schema.PromptRequest;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.TopicNameExtractor;

/**
 * Names the request topic of a record's model. Kafka Streams does not create the topics a dynamic
 * sink writes to; {@link InspectProcessor} has created it (and checked the name) before the record
 * gets here, so this cannot fail.
 */
public final class RequestTopics implements TopicNameExtractor<String, PromptRequest> {

    private final Topics topics;

    public RequestTopics(Topics topics) {
        this.topics = topics;
    }

    @Override
    public String extract(String key, PromptRequest request, RecordContext recordContext) {
        return topics.requestsFor(request.getModel());
    }
}
