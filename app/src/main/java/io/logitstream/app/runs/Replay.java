package io.logitstream.app.runs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.app.KafkaEndpoint;
import io.logitstream.app.batch.AnswerCollector;
import io.logitstream.app.batch.AnswerFilter;
import io.logitstream.app.batch.AnswerLines;
import io.logitstream.app.batch.AnswerWait;
import io.logitstream.app.batch.BatchProducer;
import io.logitstream.app.batch.ProgressMeter;
import io.logitstream.app.batch.ProgressPrinter;
import io.logitstream.app.batch.ResultSpool;
import io.logitstream.app.batch.RunCounters;
import io.logitstream.app.batch.StopSignal;
import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.RecordDecodeException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends every request of one run again under another run, as it was sent: read back from the
 * prompts topic (the requests exactly as the topology received them), with the seeds the first
 * run's results recorded. Then, unless asked not to, follows the new run's answers like submit.
 * Run again, it sends the same request ids: the topology answers the repeats with DUPLICATE
 * notices and the answers already given are collected.
 */
public final class Replay {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    /**
     * @param model        the model to ask instead (null: each request's own)
     * @param out          where to write the new run's results in replay order (null: nowhere)
     */
    public record Options(String from, String as, String model, boolean awaitAnswers, Duration idleLimit,
            Path out) {
    }

    private final KafkaEndpoint endpoint;
    private final Topics topics;
    private final Options options;
    private final PrintStream stdout;
    private final ProgressPrinter progress;
    private final StopSignal stop = new StopSignal();
    private final SchemaRegistryClient registry;

    public Replay(KafkaEndpoint endpoint, Topics topics, Options options, PrintStream stdout, PrintStream stderr) {
        this.endpoint = endpoint;
        this.topics = topics;
        this.options = options;
        this.stdout = stdout;
        this.progress = new ProgressPrinter(stderr);
        this.registry = new RestSchemaRegistryClient(endpoint.registryUrl());
    }

    public void stop() {
        stop.request();
    }

    /** 0 when every replayed request was answered OK, 2 when some answers are errors, 1 when some are missing. */
    public int run() throws IOException {
        Map<String, Long> seeds = servedSeeds();
        Map<String, Integer> positions = new HashMap<>();
        AtomicInteger acknowledged = new AtomicInteger();
        AtomicInteger seedsCarried = new AtomicInteger();
        AtomicReference<Exception> sendError = new AtomicReference<>();
        long started = System.nanoTime();
        try (TopicReader prompts = new TopicReader(endpoint, List.of(topics.prompts()), CONNECT_TIMEOUT,
                "logitstream-replay");
                BatchProducer producer = new BatchProducer(endpoint, topics.prompts(), CONNECT_TIMEOUT)) {
            AvroDeserializer<PromptRequest> requests = new AvroDeserializer<>(PromptRequest.class, registry);
            Set<String> seen = new HashSet<>();
            prompts.readToEnd(record -> {
                PromptRequest original = decode(requests, record.topic(), record.value());
                if (original == null || !options.from().equals(original.getRunId())
                        || !seen.add(original.getRequestId()) || stop.isSet() || sendError.get() != null) {
                    return;
                }
                Long seed = seeds.get(original.getRequestId());
                PromptRequest replayed = ReplayRequests.replay(original, options.as(), options.model(), seed);
                if (seed != null && replayed.getGeneration().getSeed().equals(seed)
                        && (original.getGeneration() == null || original.getGeneration().getSeed() == null)) {
                    seedsCarried.incrementAndGet();
                }
                positions.put(replayed.getRequestId(), positions.size() + 1);
                producer.send(replayed, (meta, error) -> {
                    if (error == null) {
                        acknowledged.incrementAndGet();
                    } else {
                        sendError.compareAndSet(null, error);
                    }
                });
            });
            producer.flush();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        if (sendError.get() != null) {
            throw new IllegalStateException("the broker refused a replayed request (" + acknowledged.get() + " of "
                    + positions.size() + " sent): " + sendError.get().getMessage()
                    + "; run the same command again (repeats are answered by DUPLICATE notices)", sendError.get());
        }
        if (positions.isEmpty()) {
            throw new IllegalStateException("run '" + options.from() + "' has no requests on " + topics.prompts()
                    + " (never sent, or older than the topic's retention)");
        }
        progress.message(String.format("%s: replayed %d requests of %s in %.2f s (%d seeds carried over)",
                options.as(), acknowledged.get(), options.from(), seconds, seedsCarried.get()));
        if (stop.isSet()) {
            return 130;
        }
        RunCounters counters = new RunCounters(positions.size(), positions.size());
        for (int i = 0; i < acknowledged.get(); i++) {
            counters.acknowledged();
        }
        AnswerWait.Outcome outcome = AnswerWait.Outcome.COMPLETE;
        if (options.awaitAnswers()) {
            outcome = collect(positions, counters);
        }
        ObjectNode summary = JsonNodeFactory.instance.objectNode();
        summary.put("run", options.as());
        summary.put("replay_of", options.from());
        summary.put("requests", positions.size());
        summary.put("seeds_carried", seedsCarried.get());
        if (options.awaitAnswers()) {
            summary.put("answered", counters.done());
            summary.put("errors", counters.errors());
        }
        if (options.out() != null) {
            summary.put("results", options.out().toAbsolutePath().toString());
        }
        stdout.println(summary);
        stdout.flush();
        return switch (outcome) {
            case COMPLETE -> counters.errors() > 0 ? 2 : 0;
            case IDLE -> 1;
            case STOPPED -> 130;
        };
    }

    /** Request id -> the seed its result was served with, for the requests of the first run that drew one. */
    private Map<String, Long> servedSeeds() {
        Map<String, Long> seeds = new HashMap<>();
        AvroDeserializer<ScoringResult> results = new AvroDeserializer<>(ScoringResult.class, registry);
        try (TopicReader reader = new TopicReader(endpoint, List.of(topics.results()), CONNECT_TIMEOUT,
                "logitstream-replay-seeds")) {
            reader.readToEnd(record -> {
                ScoringResult result = decode(results, record.topic(), record.value());
                if (result != null && options.from().equals(result.getRunId())
                        && !AnswerFilter.isDuplicateNotice(result) && result.getProvenance() != null
                        && result.getProvenance().getSeed() != null) {
                    seeds.putIfAbsent(result.getRequestId(), result.getProvenance().getSeed());
                }
            });
        }
        return seeds;
    }

    private AnswerWait.Outcome collect(Map<String, Integer> positions, RunCounters counters) throws IOException {
        Path spoolFile = Files.createTempFile("logitstream-replay-" + options.as(), ".spool");
        try (ResultSpool spool = new ResultSpool(spoolFile, positions.size());
                AnswerCollector collector = new AnswerCollector(new TopicReader(endpoint,
                        List.of(topics.results(), topics.deadLetters()), CONNECT_TIMEOUT, "logitstream-replay-collect"),
                        topics, registry, options.as(), positions, spool, counters).start()) {
            AnswerWait.Outcome outcome = AnswerWait.await(counters, collector, new ProgressMeter(options.as(),
                    System::currentTimeMillis), progress, options.idleLimit(), stop);
            if (outcome == AnswerWait.Outcome.IDLE) {
                progress.message("no answer for " + options.idleLimit().toSeconds() + " s: " + counters.done()
                        + " of " + positions.size() + " answered (is a worker serving the model?)");
            }
            if (options.out() != null && outcome != AnswerWait.Outcome.STOPPED) {
                Map<Integer, String> idByPosition = new HashMap<>();
                positions.forEach((id, position) -> idByPosition.put(position, id));
                spool.writeInOrder(options.out(), position -> AnswerLines.unanswered(position,
                        idByPosition.get(position), "no answer within " + options.idleLimit().toSeconds() + " s"));
            }
            return outcome;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return AnswerWait.Outcome.STOPPED;
        }
    }

    /** The record, or null when it is not one of the contract (bad input also lives on these topics). */
    private static <T extends org.apache.avro.specific.SpecificRecord> T decode(AvroDeserializer<T> deserializer,
            String topic, byte[] value) {
        try {
            return deserializer.deserialize(topic, value);
        } catch (RecordDecodeException e) {
            if (e.isTransient()) {
                throw e;
            }
            return null;
        }
    }
}
