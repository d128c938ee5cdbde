package io.logitstream.contract;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates topics through the Admin API, once per topic per process (later calls hit a cache). */
public final class AdminTopicCreator implements TopicCreator, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminTopicCreator.class);

    private final Admin admin;
    private final int partitions;
    private final short replication;
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    /** {@code replication} -1 takes the broker's default.replication.factor. */
    public AdminTopicCreator(Admin admin, int partitions, short replication) {
        this.admin = admin;
        this.partitions = partitions;
        this.replication = replication;
    }

    @Override
    public void ensure(String topic) {
        if (known.contains(topic)) {
            return;
        }
        try {
            NewTopic newTopic = replication > 0 ? new NewTopic(topic, partitions, replication)
                    : new NewTopic(topic, java.util.Optional.of(partitions), java.util.Optional.empty());
            admin.createTopics(List.of(newTopic)).all().get(30, TimeUnit.SECONDS);
            log.info("Created topic {} ({} partitions)", topic, partitions);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create topic " + topic + ": " + e.getCause(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic " + topic, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Timed out creating topic " + topic + ": is the broker reachable?", e);
        }
        known.add(topic);
    }

    @Override
    public void close() {
        admin.close();
    }
}
