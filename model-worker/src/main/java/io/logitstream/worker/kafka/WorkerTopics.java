package io.logitstream.worker.kafka;

import io.logitstream.contract.AdminTopicCreator;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Creates the topics a worker reads and writes when they are missing, so a worker started before
 * the topology (or on a fresh cluster) neither blocks on metadata nor fails its first send.
 */
final class WorkerTopics {

    private WorkerTopics() {
    }

    static void ensure(WorkerSettings settings) {
        Properties props = new Properties();
        props.putAll(settings.clientProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, settings.workerId() + "-admin");
        try (AdminTopicCreator creator = new AdminTopicCreator(Admin.create(props), 3, (short) -1)) {
            creator.ensure(settings.requestTopic());
            creator.ensure(settings.topics().results());
            creator.ensure(settings.topics().tokens());
            creator.ensure(settings.topics().deadLetters());
        }
    }
}
