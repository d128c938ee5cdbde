package io.logitstream.testkit;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.JaasUtils;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * An in-process, single-node Kafka cluster for tests: one combined KRaft node (broker and
 * controller in one server), backed by {@link KafkaClusterTestKit}. Ready in a few seconds.
 *
 * <pre>{@code
 * try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start()) {
 *   kafka.createTopics("llm.prompts", "llm.results");
 *   props.put("bootstrap.servers", kafka.bootstrapServers());
 *   ...
 * }
 * }</pre>
 *
 * <p>Internal topics (consumer offsets, transaction state) use replication factor 1 and
 * {@code min.isr=1}, so consumer groups, transactions and Kafka Streams' exactly-once work on the
 * single node. Automatic topic creation is off: tests create their topics.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

  private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(30);

  /** Broker settings applied on top of the test kit's defaults. */
  public static Map<String, String> defaultBrokerConfig() {
    Map<String, String> config = new HashMap<>();
    config.put("offsets.topic.replication.factor", "1");
    config.put("offsets.topic.num.partitions", "1");
    config.put("transaction.state.log.replication.factor", "1");
    config.put("transaction.state.log.min.isr", "1");
    config.put("transaction.state.log.num.partitions", "1");
    config.put("share.coordinator.state.topic.replication.factor", "1");
    config.put("share.coordinator.state.topic.min.isr", "1");
    config.put("group.initial.rebalance.delay.ms", "0");
    config.put("auto.create.topics.enable", "false");
    config.put("num.partitions", "1");
    config.put("default.replication.factor", "1");
    return config;
  }

  private final KafkaClusterTestKit cluster;
  private final Admin admin;
  private final SecurityProtocol protocol;
  private volatile boolean closed;

  private EmbeddedKafkaCluster(KafkaClusterTestKit cluster, SecurityProtocol protocol) {
    this.cluster = cluster;
    this.admin = cluster.admin();
    this.protocol = protocol;
  }

  /** Starts a cluster with {@link #defaultBrokerConfig()}. */
  public static EmbeddedKafkaCluster start() {
    return start(Map.of());
  }

  /**
   * Starts a cluster with {@link #defaultBrokerConfig()} plus {@code brokerConfig} (which wins
   * where both set a key).
   */
  public static EmbeddedKafkaCluster start(Map<String, String> brokerConfig) {
    return start(brokerConfig, SecurityProtocol.PLAINTEXT);
  }

  /**
   * Starts a cluster whose only client listener is SASL_PLAINTEXT with the PLAIN mechanism: a
   * client without {@link #clientSecuritySettings()} cannot connect. The test kit writes the
   * broker's JAAS file (and points {@code java.security.auth.login.config} of this JVM at it),
   * enables the standard authorizer and makes the user of {@link #clientSecuritySettings()} a
   * super user, so no ACLs are needed.
   */
  public static EmbeddedKafkaCluster startWithSasl() {
    return start(Map.of(), SecurityProtocol.SASL_PLAINTEXT);
  }

  private static EmbeddedKafkaCluster start(
      Map<String, String> brokerConfig, SecurityProtocol protocol) {
    TestKitNodes nodes =
        new TestKitNodes.Builder()
            .setCombined(true)
            .setNumBrokerNodes(1)
            .setNumControllerNodes(1)
            .setBrokerSecurityProtocol(protocol)
            // The same for the controller listener: with an authorizer, a PLAINTEXT controller
            // listener would see the broker as ANONYMOUS and refuse its registration.
            .setControllerSecurityProtocol(protocol)
            // The test kit's default is the latest *testing* version, which enables unstable
            // features; production brokers run latestProduction().
            .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
            .build();
    Map<String, String> config = defaultBrokerConfig();
    config.putAll(brokerConfig);
    KafkaClusterTestKit cluster = null;
    try {
      KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
      config.forEach(builder::setConfigProp);
      cluster = builder.build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new EmbeddedKafkaCluster(cluster, protocol);
    } catch (Exception e) {
      if (cluster != null) {
        try {
          cluster.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("could not start the embedded Kafka cluster: " + e, e);
    }
  }

  /** {@code host:port} of the broker listener, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /**
   * The client settings this cluster's listener needs: empty for PLAINTEXT; for {@link
   * #startWithSasl()} {@code security.protocol}, {@code sasl.mechanism} and {@code
   * sasl.jaas.config} of the test kit's super user.
   */
  public Map<String, String> clientSecuritySettings() {
    if (protocol != SecurityProtocol.SASL_PLAINTEXT) {
      return Map.of();
    }
    return Map.of(
        "security.protocol", protocol.name,
        "sasl.mechanism", "PLAIN",
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
            + JaasUtils.KAFKA_PLAIN_ADMIN
            + "\" password=\""
            + JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD
            + "\";");
  }

  /**
   * An admin client owned by this cluster (do not close it; {@link #close()} does). For a client
   * with other settings use {@link #bootstrapServers()}.
   */
  public Admin admin() {
    return admin;
  }

  /** Creates topics with one partition each and waits until every partition has a leader. */
  public void createTopics(String... names) {
    createTopics(1, names);
  }

  /** Creates topics with {@code partitions} partitions each and waits until they have leaders. */
  public void createTopics(int partitions, String... names) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
    }
    List<NewTopic> topics =
        Arrays.stream(names).map(n -> new NewTopic(n, partitions, (short) 1)).toList();
    try {
      admin.createTopics(topics).all().get();
      awaitLeaders(List.of(names));
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "could not create topics " + Arrays.toString(names) + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  private void awaitLeaders(List<String> names) throws InterruptedException {
    long deadline = System.nanoTime() + TOPIC_READY_TIMEOUT.toNanos();
    while (true) {
      List<String> pending = topicsWithoutLeaders(names);
      if (pending.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "topics without partition leaders after " + TOPIC_READY_TIMEOUT + ": " + pending);
      }
      Thread.sleep(20);
    }
  }

  private List<String> topicsWithoutLeaders(List<String> names) throws InterruptedException {
    Map<String, TopicDescription> described;
    try {
      described = admin.describeTopics(names).allTopicNames().get();
    } catch (ExecutionException e) {
      return names; // metadata not propagated yet (UnknownTopicOrPartition): retry
    }
    return names.stream()
        .filter(
            n -> {
              TopicDescription d = described.get(n);
              return d == null || d.partitions().stream().anyMatch(p -> p.leader() == null);
            })
        .collect(Collectors.toList());
  }

  /**
   * Stops the broker half of the node, as an operator's restart does (a controlled shutdown: its
   * partitions' leadership goes, group and transaction coordinators unload), and keeps its log
   * directories; the controller half keeps running. Clients see the broker unreachable until
   * {@link #startBroker()}.
   */
  public void stopBroker() {
    cluster.brokers().values().forEach(BrokerServer::shutdown);
  }

  /**
   * Starts the broker again after {@link #stopBroker()}: same node id, same listener port (so
   * {@link #bootstrapServers()} still holds), same log directories, so every topic, committed
   * offset and transaction state is read back from disk. Returns once it serves requests again.
   */
  public void startBroker() {
    cluster.brokers().values().forEach(BrokerServer::startup);
    try {
      cluster.waitForReadyBrokers();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the restarted broker is not ready: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while restarting the broker", e);
    }
  }

  /** Stops the node and deletes its data directories. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      admin.close(Duration.ofSeconds(5));
    } finally {
      try {
        cluster.close();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("could not stop the embedded Kafka cluster: " + e, e);
      }
    }
  }
}
