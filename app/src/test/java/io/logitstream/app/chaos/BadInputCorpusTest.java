package io.logitstream.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.serde.PoisonPayloads;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import io.logitstream.topology.TopologyApp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chaos, bad inputs: the whole {@link BadInputCorpus} is produced to the prompts topic of a running
 * topology and worker (in-process broker, real registry), then a few valid requests. Every valid
 * request after the corpus must be answered (no record stalled routing), and every bad record must
 * be answered exactly once, by a dead letter or an error result (a repeated request_id by one
 * DUPLICATE notice on top of its original's answer). Prints one line per kind: what came back.
 */
class BadInputCorpusTest {

    private static final String MODEL = "tiny-gpt2";
    private static final Path ROOT =
            Path.of(System.getProperty("logitstream.root", "..")).toAbsolutePath().normalize();
    private static final int VALID_AFTER = 5;
    /** A guard against hanging, not a performance bar: the answers come within seconds. */
    private static final Duration ANSWER_DEADLINE = Duration.ofSeconds(60);
    /** After everything is answered: time for an answer that should not exist (a second one) to show. */
    private static final Duration SETTLE = Duration.ofSeconds(2);

    private final Topics topics = Topics.defaults();

    @Test
    @Timeout(180)
    void everyBadRecordIsAnsweredOnceAndRoutingNeverStalls() throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start();
                TopologyApp topology = new TopologyApp(ChaosTopology.config(kafka.bootstrapServers(),
                        registry.url(), "corpus-" + UUID.randomUUID(), Files.createTempDirectory("logitstream-corpus"),
                        MODEL)).start()) {
            assertThat(topology.awaitRunning(Duration.ofSeconds(90))).as("topology running").isTrue();
            try (InProcessWorker worker = InProcessWorker.start(ROOT.resolve("fixtures/models/tiny-gpt2"), MODEL,
                    "corpus-worker", kafka.bootstrapServers(), registry.url());
                    AnswerLedger answers = new AnswerLedger(kafka.bootstrapServers(), registry.url(),
                    topics.results(), topics.deadLetters())) {
                List<BadInputCorpus.Entry> corpus = corpus(registry);
                List<String> valid = IntStream.range(0, VALID_AFTER).mapToObj(i -> "after-corpus-" + i).toList();
                long sentAt = System.nanoTime();
                send(kafka, registry, corpus, valid);
                awaitAnswers(answers, corpus, valid, worker);
                double answeredSeconds = (System.nanoTime() - sentAt) / 1e9;
                Thread.sleep(SETTLE.toMillis());
                answers.drainToCommittedEnd(Duration.ofSeconds(30));
                verify(answers, corpus, valid, answeredSeconds);
                assertThat(worker.serving()).as("the worker survived the corpus").isTrue();
            }
        }
    }

    private List<BadInputCorpus.Entry> corpus(SchemaRegistryProcess registry) throws Exception {
        var client = new RestSchemaRegistryClient(registry.url());
        return BadInputCorpus.build(MODEL, topics, new AvroSerializer<>(PromptRequest.class, client),
                new AvroSerializer<>(ScoringResult.class, client), new AvroSerializer<>(DeadLetter.class, client),
                PoisonPayloads.registerJsonSchema(registry.url(), "chaos-json-value"));
    }

    private void send(EmbeddedKafkaCluster kafka, SchemaRegistryProcess registry, List<BadInputCorpus.Entry> corpus,
            List<String> valid) throws Exception {
        var serializer = new AvroSerializer<>(PromptRequest.class, new RestSchemaRegistryClient(registry.url()));
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // The near-limit record must reach the broker, whose limit is the one under test.
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
        try (var producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (BadInputCorpus.Entry entry : corpus) {
                for (byte[] value : entry.values()) {
                    producer.send(new ProducerRecord<>(topics.prompts(), bytes(entry.id()), value)).get();
                }
            }
            for (String id : valid) {
                PromptRequest request = PromptRequest.newBuilder().setRequestId(id).setModel(MODEL)
                        .setTask(Task.SCORE).setText("Routing goes on after the corpus").build();
                producer.send(new ProducerRecord<>(topics.prompts(), bytes(id),
                        serializer.serialize(topics.prompts(), request))).get();
            }
        }
    }

    /** Polls until every entry and every valid request has all the answers it should get. */
    private static void awaitAnswers(AnswerLedger answers, List<BadInputCorpus.Entry> corpus, List<String> valid,
            InProcessWorker worker) {
        long deadline = System.nanoTime() + ANSWER_DEADLINE.toNanos();
        while (!(corpus.stream().allMatch(e -> answered(answers.answersFor(e.id()), e.duplicates()))
                && valid.stream().allMatch(id -> answered(answers.answersFor(id), 0)))) {
            if (System.nanoTime() > deadline || !worker.serving()) {
                return; // verify() names what is missing
            }
            answers.poll(Duration.ofMillis(100));
        }
    }

    private static boolean answered(List<AnswerLedger.Answer> answers, int duplicates) {
        long notices = answers.stream().filter(AnswerLedger.Answer::duplicateNotice).count();
        return answers.size() - notices >= 1 && notices >= duplicates;
    }

    private static void verify(AnswerLedger answers, List<BadInputCorpus.Entry> corpus, List<String> valid,
            double answeredSeconds) {
        Map<String, String> problems = new LinkedHashMap<>();
        System.out.printf("BAD INPUT CORPUS (%d kinds, answered within %.1f s):%n", corpus.size(), answeredSeconds);
        for (BadInputCorpus.Entry entry : corpus) {
            List<AnswerLedger.Answer> got = answers.answersFor(entry.id());
            System.out.printf("  %-28s -> %s%n", entry.kind(), got.isEmpty() ? "NOTHING" : got);
            List<AnswerLedger.Answer> first = got.stream().filter(a -> !a.duplicateNotice()).toList();
            long notices = got.size() - first.size();
            if (first.size() != 1 || notices != entry.duplicates()) {
                problems.put(entry.kind(), "expected one answer plus " + entry.duplicates() + " DUPLICATE, got " + got);
            } else if (first.get(0).ok() != entry.firstCopyValid()) {
                problems.put(entry.kind(), "the first copy was " + (entry.firstCopyValid() ? "" : "not ")
                        + "valid, but got " + first.get(0));
            }
        }
        List<String> validProblems = new ArrayList<>();
        for (String id : valid) {
            List<AnswerLedger.Answer> got = answers.answersFor(id);
            if (got.size() != 1 || !got.get(0).ok()) {
                validProblems.add(id + ": " + got);
            }
        }
        Set<String> unexpected = new LinkedHashSet<>(answers.all().keySet());
        corpus.forEach(e -> unexpected.remove(e.id()));
        valid.forEach(unexpected::remove);
        long stalls = valid.stream().filter(id -> answers.answersFor(id).isEmpty()).count();
        System.out.printf("CHAOS SUMMARY bad-input: records=%d, valid_after=%d, unanswered_or_twice=%d,"
                + " stalls=%d, unexpected=%d%n", corpus.stream().mapToInt(e -> e.values().size()).sum(),
                valid.size(), problems.size(), stalls, unexpected.size());

        assertThat(validProblems).as("valid requests after the corpus, each with one OK result").isEmpty();
        assertThat(problems).as("bad records answered other than once each").isEmpty();
        assertThat(unexpected).as("answers for ids nobody sent").isEmpty();
    }


    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
