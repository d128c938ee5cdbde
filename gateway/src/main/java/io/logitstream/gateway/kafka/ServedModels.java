package io.logitstream.gateway.kafka;

import io.logitstream.contract.ModelTopicNames;
import io.logitstream.contract.Topics;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model pools requests may name: a configured list, or else every model that has a request
 * topic ({@code llm.requests.<model>}, read back through {@link ModelTopicNames}), listed from the
 * broker at most every few seconds.
 */
public final class ServedModels implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServedModels.class);
    private static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** A miss re-lists at most this often, so a flood of unknown names does not flood the broker. */
    private static final long MISS_RELIST_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Admin admin;
    private final Topics topics;
    private final List<String> configured;
    private final LongSupplier clock;
    private volatile List<String> listed;
    private volatile long listedAt;

    public ServedModels(Admin admin, Topics topics, List<String> configured, LongSupplier nanoClock) {
        this.admin = admin;
        this.topics = topics;
        this.configured = List.copyOf(configured);
        this.clock = nanoClock;
    }

    /** The served models, sorted; empty when the broker cannot be asked. */
    public Optional<List<String>> list() {
        if (!configured.isEmpty()) {
            return Optional.of(configured);
        }
        if (listed == null || clock.getAsLong() - listedAt > FRESH_NANOS) {
            relist();
        }
        return Optional.ofNullable(listed);
    }

    /**
     * False only when the model is known not to be served; when the broker cannot be asked the
     * request goes on, and the topology decides.
     */
    public boolean mayServe(String model) {
        Optional<List<String>> models = list();
        if (models.isEmpty() || models.get().contains(model)) {
            return true;
        }
        if (configured.isEmpty() && clock.getAsLong() - listedAt > MISS_RELIST_NANOS) {
            relist(); // a pool that started a moment ago
            return listed == null || listed.contains(model);
        }
        return false;
    }

    private synchronized void relist() {
        try {
            listed = modelsOf(admin.listTopics().names().get(10, TimeUnit.SECONDS), topics.requestsPrefix());
            listedAt = clock.getAsLong();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("Cannot list the request topics ({}); not checking model names for now", e.toString());
        }
    }

    /** The models whose request topics are among {@code topicNames}. */
    static List<String> modelsOf(java.util.Collection<String> topicNames, String prefix) {
        return topicNames.stream().filter(t -> t.startsWith(prefix))
                .map(t -> ModelTopicNames.model(t.substring(prefix.length())))
                .flatMap(Optional::stream).sorted().toList();
    }

    @Override
    public void close() {
        admin.close();
    }
}
