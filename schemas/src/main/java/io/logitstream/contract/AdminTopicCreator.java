package io.logitstream.contract;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidTopicException;
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
        ensure(topic, Map.of());
    }

    /**
     * Creates the topic with these topic settings (e.g. {@code cleanup.policy=compact}). A topic that
     * already exists is left as it is, with a warning for each setting that differs: changing an
     * operator's topic is the operator's call.
     */
    public void ensure(String topic, Map<String, String> configs) {
        if (known.contains(topic)) {
            return;
        }
        try {
            NewTopic newTopic = replication > 0 ? new NewTopic(topic, partitions, replication)
                    : new NewTopic(topic, java.util.Optional.of(partitions), java.util.Optional.empty());
            admin.createTopics(List.of(newTopic.configs(configs))).all().get(30, TimeUnit.SECONDS);
            log.info("Created topic {} ({} partitions{})", topic, partitions, configs.isEmpty() ? "" : ", " + configs);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InvalidTopicException invalid) {
                // The name itself is refused (e.g. it differs from an existing topic only by '.' versus '_'):
                // asking again will not help, so say it is the name's fault.
                throw new IllegalArgumentException("Kafka refuses the topic name " + topic + ": "
                        + invalid.getMessage(), e);
            }
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create topic " + topic + ": " + e.getCause(), e);
            }
            warnAboutDifferences(topic, configs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic " + topic, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Timed out creating topic " + topic + ": is the broker reachable?", e);
        }
        known.add(topic);
    }

    private void warnAboutDifferences(String topic, Map<String, String> wanted) {
        if (wanted.isEmpty()) {
            return;
        }
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config actual = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
            wanted.forEach((key, value) -> {
                ConfigEntry entry = actual == null ? null : actual.get(key);
                if (entry == null || !value.equals(entry.value())) {
                    log.warn("Topic {} exists with {}={} where {} is expected; change it with kafka-configs if that"
                            + " was not meant", topic, key, entry == null ? "(unset)" : entry.value(), value);
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.debug("Cannot read the settings of {}: {}", topic, e.toString());
        }
    }

    /** The topic's {@code max.message.bytes}; empty when the broker cannot tell (the caller keeps its default). */
    public OptionalInt maxMessageBytes(String topic) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
            ConfigEntry entry = config == null ? null : config.get("max.message.bytes");
            return entry == null || entry.value() == null ? OptionalInt.empty()
                    : OptionalInt.of(Integer.parseInt(entry.value()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.warn("Cannot read max.message.bytes of {} ({}); assuming Kafka's default", topic, e.toString());
            return OptionalInt.empty();
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
