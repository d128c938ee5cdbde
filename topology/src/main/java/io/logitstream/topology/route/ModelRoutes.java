package io.logitstream.topology.route;

import io.logitstream.contract.TopicCreator;
import io.logitstream.contract.Topics;
import java.util.Optional;
import java.util.Set;

/**
 * Which models the topology routes and to which topic. A model name that cannot name a topic of its
 * own, or whose topic Kafka refuses, is the request's fault: it is reported, never thrown on the
 * stream thread (that would stop routing for every partition of the thread).
 */
public final class ModelRoutes {

    private final Topics topics;
    /** Served models; empty means every model is routed (topics are created on demand). */
    private final Set<String> servedModels;
    private final TopicCreator creator;

    public ModelRoutes(Topics topics, Set<String> servedModels, TopicCreator creator) {
        this.topics = topics;
        this.servedModels = Set.copyOf(servedModels);
        this.creator = creator;
    }

    /** Why the model name cannot have a request topic; empty when it can. */
    Optional<String> nameProblem(String model) {
        return topics.modelNameProblem(model);
    }

    boolean serves(String model) {
        return servedModels.isEmpty() || servedModels.contains(model);
    }

    String servedList() {
        return String.join(", ", servedModels.stream().sorted().toList());
    }

    /**
     * Makes sure the model's topic exists; returns why Kafka refused its name, if it did. Any other
     * failure (the broker unreachable) is thrown: it is not the request's fault, and the record is
     * processed again once the thread is replaced.
     */
    Optional<String> prepare(String model) {
        try {
            creator.ensure(topics.requestsFor(model));
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }
}
