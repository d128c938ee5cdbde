package io.logitstream.topology;

import io.logitstream.contract.AdminTopicCreator;
import io.logitstream.contract.DeadLetterFit;
import io.logitstream.contract.TopicCreator;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.topology.metrics.TopologyMetrics;
import io.logitstream.topology.route.DecodeRetry;
import io.logitstream.topology.route.Inspection;
import io.logitstream.topology.runs.PeerClient;
import io.logitstream.topology.runs.RunQueries;
import io.logitstream.topology.runs.RunQueryServer;
import io.logitstream.topology.runs.RunSettings;
import io.logitstream.topology.runs.RunSummaryTopology;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the routing topology and the run summaries, as one Kafka Streams application with
 * exactly-once processing. Creates the topics it reads and writes (and the request topics of the
 * configured models) before starting, so a fresh cluster works, and serves queries about runs and
 * results over HTTP ({@link RunQueryServer}).
 */
public final class TopologyApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopologyApp.class);

    private final TopologyConfig config;
    private final AdminTopicCreator topicCreator;
    private final KafkaStreams streams;
    private final CountDownLatch running = new CountDownLatch(1);
    /** The most a record the topology writes may take; lowered to the dead-letter topic's limit on start. */
    private final AtomicInteger maxRecordBytes;
    private final Properties props;
    private final SchemaRegistryClient registry;
    /** Null when queries are turned off or the port could not be had. */
    private final RunQueryServer queryServer;
    /** Null when the topology publishes no metrics (tests that do not look at them). */
    private final TopologyMetrics metrics;

    public TopologyApp(TopologyConfig config) {
        this(config, null);
    }

    /** @param metrics where routing outcomes and Kafka Streams' metrics go (closed with the app); null for none */
    public TopologyApp(TopologyConfig config, TopologyMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        Properties props = new Properties();
        props.putAll(config.streamsProperties());
        props.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // We have no global stores; opting in now is what Kafka 5.0 will default to, and it silences
        // a startup warning that operators would otherwise chase.
        props.putIfAbsent("processing.exception.handler.global.enabled", "true");
        this.props = props;
        this.queryServer = bindQueryServer(config.runs());
        if (queryServer != null) {
            // Where the other instances send the questions about the keys this one owns.
            props.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG,
                    config.runs().advertisedHost() + ":" + queryServer.port());
        }
        this.topicCreator = new AdminTopicCreator(Admin.create(adminProps(props)),
                config.requestTopicPartitions(), config.requestTopicReplication());
        this.registry = new RestSchemaRegistryClient(config.registryUrl());
        this.maxRecordBytes = new AtomicInteger(maxRequestSize(props));
        Topology topology = topology(config, registry, topicCreator, maxRecordBytes::get,
                metrics != null ? metrics.outcomes() : inspection -> { });
        log.debug("Topology:\n{}", topology.describe());
        this.streams = newStreams(topology, props, topicCreator, queryServer);
        if (metrics != null) {
            metrics.bind(streams);
        }
        // A failure of one record that is not the record's fault (registry down, broker hiccup) must
        // not end routing: replace the thread; exactly-once makes the retry safe.
        streams.setUncaughtExceptionHandler(e -> {
            log.error("Stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> {
            log.info("Topology state {} -> {}", before, now);
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                running.countDown();
            }
        });
    }

    /**
     * The application's topology: the routing first (its sub-topology and tasks keep their ids), then
     * the run summaries, which follow its decisions and the results topic. {@code observer} is told
     * every routing decision (metrics).
     */
    public static Topology topology(TopologyConfig config, SchemaRegistryClient registry, TopicCreator topicCreator,
            IntSupplier maxRecordBytes, Consumer<Inspection> observer) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<byte[], Inspection> decisions = new PromptRoutingTopology(config.topics(), config.servedModels(),
                config.dedupeRetention(), registry, topicCreator, maxRecordBytes, DecodeRetry.defaults())
                .observedBy(observer).addTo(builder);
        new RunSummaryTopology(config.topics(), registry, config.runs().resultsRetention(), maxRecordBytes,
                DecodeRetry.defaults()).addTo(builder, decisions);
        return builder.build();
    }

    /** Creates the topics and starts processing; returns at once. */
    public TopologyApp start() {
        var topics = config.topics();
        for (String topic : new String[] {topics.prompts(), topics.results(), topics.tokens(), topics.deadLetters()}) {
            topicCreator.ensure(topic);
        }
        // Compacted: a reader finds each run's latest summary however long ago it last changed.
        topicCreator.ensure(topics.runs(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        config.servedModels().forEach(model -> topicCreator.ensure(topics.requestsFor(model)));
        topicCreator.maxMessageBytes(topics.deadLetters())
                .ifPresent(topicLimit -> maxRecordBytes.getAndUpdate(limit -> Math.min(limit, topicLimit)));
        log.info("Starting topology {} (member {}, state in {}): {} -> {}<model> (models: {}), errors -> {} / {}",
                props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG),
                props.getProperty("main.consumer.group.instance.id", props.getProperty("group.instance.id", "dynamic")),
                props.getProperty(StreamsConfig.STATE_DIR_CONFIG, "the default state.dir"), topics.prompts(),
                topics.requestsPrefix(), config.servedModels().isEmpty() ? "any" : config.servedModels(),
                topics.deadLetters(), topics.results());
        streams.start();
        if (queryServer != null) {
            queryServer.start(new RunQueries(streams, HostInfo.buildFromEndpoint(
                    props.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG)), new PeerClient(),
                    new AvroDeserializer<>(ScoringResult.class, registry), config.runs().resultsRetention()));
        }
        return this;
    }

    /** The port of the query server ({@code GET /runs}, ...); -1 when there is none. */
    public int queryPort() {
        return queryServer == null ? -1 : queryServer.port();
    }

    /** Blocks until the streams client is RUNNING or the timeout passes. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (streams.state() == KafkaStreams.State.RUNNING) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** Blocks until the application stops (after {@link #close()} or a fatal error). */
    public void awaitTermination() throws InterruptedException {
        running.await();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    @Override
    public void close() {
        // Leave the group on close: by default a Streams client does not, and the next start then
        // waits out the old member's session timeout (45 s) before it gets its partitions.
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        topicCreator.close();
        if (queryServer != null) {
            queryServer.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        running.countDown();
        log.info("Topology stopped");
    }

    /** The Streams producer's max.request.size (the prefixed setting wins), Kafka's default when unset. */
    private static int maxRequestSize(Properties props) {
        String value = props.getProperty(StreamsConfig.PRODUCER_PREFIX + "max.request.size",
                props.getProperty("max.request.size"));
        return value == null ? DeadLetterFit.DEFAULT_MAX_RECORD_BYTES : Integer.parseInt(value.trim());
    }

    /**
     * Kafka Streams locks the state directory of an application id for as long as it runs (the
     * dedupe store is persistent), so a second instance on the same directory stops here. That lock
     * is what makes the default member name (see {@link TopologyConfig#defaultInstanceId}) and the
     * process id, hence the transactional id, one process's own; the operating system drops it when
     * the process dies, {@code kill -9} included.
     */
    private static KafkaStreams newStreams(Topology topology, Properties props, AdminTopicCreator topicCreator,
            RunQueryServer queryServer) {
        try {
            return new KafkaStreams(topology, props);
        } catch (StreamsException e) {
            topicCreator.close();
            if (queryServer != null) {
                queryServer.close();
            }
            throw new IllegalStateException("cannot start the topology " + props.getProperty(
                    StreamsConfig.APPLICATION_ID_CONFIG) + " in the state directory " + props.getProperty(
                    StreamsConfig.STATE_DIR_CONFIG, TopologyConfig.DEFAULT_STATE_DIR) + " (" + e.getMessage()
                    + "). Is another instance using it? Give each instance its own --state-dir.", e);
        }
    }

    /**
     * The query server, unless turned off. A port already taken costs the queries, not the routing:
     * the topology runs on and says why nothing answers there.
     */
    private static RunQueryServer bindQueryServer(RunSettings settings) {
        if (!settings.httpEnabled()) {
            return null;
        }
        try {
            return RunQueryServer.bind(settings.httpHost(), settings.httpPort());
        } catch (IOException e) {
            log.error("Run queries are not served: {}", e.getMessage());
            return null;
        }
    }

    private static Properties adminProps(Properties streamsProps) {
        Properties admin = new Properties();
        for (String key : streamsProps.stringPropertyNames()) {
            if (key.startsWith("security.") || key.startsWith("sasl.") || key.startsWith("ssl.")
                    || key.equals("bootstrap.servers") || key.equals("client.dns.lookup")) {
                admin.put(key, streamsProps.getProperty(key));
            }
        }
        admin.putIfAbsent("client.id", "logitstream-topology-admin");
        return admin;
    }

}
