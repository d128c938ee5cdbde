package io.logitstream.topology.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.schema.ChatMessage;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class AffinityPartitionerTest {

    private static final String TOPIC = "llm.requests.m";
    private final AffinityPartitioner partitioner = new AffinityPartitioner();

    @Test
    void requestWithoutAffinityLeavesThePartitionToKafkasDefault() {
        PromptRequest plain = text("r1", "Hello").build();

        assertThat(partitioner.partitions(TOPIC, "r1", plain, 8)).isEmpty();
    }

    @Test
    void everyRequestOfASessionGetsOnePartitionWhateverItsIdOrText() {
        Set<Set<Integer>> chosen = new HashSet<>();
        for (int turn = 0; turn < 50; turn++) {
            PromptRequest r = text("turn-" + turn, "history ... turn " + turn).setSessionId("chat-42").build();
            chosen.add(partitioner.partitions(TOPIC, r.getRequestId(), r, 8).orElseThrow());
        }
        assertThat(chosen).singleElement().isEqualTo(Set.of(expected("chat-42", 8)));
    }

    @Test
    void partitionIsKafkasMurmur2OfTheUtf8BytesSoProducersCanPredictIt() {
        // Pinned values, computed outside the JVM (kafka-python's murmur2 port): the partition is
        // the same on every JVM, after every restart, and in a producer written in another language.
        assertThat(AffinityPartitioner.partitionOf(utf8("chat-42"), 1000)).isEqualTo(591);
        assertThat(AffinityPartitioner.partitionOf(utf8("mmlu/abstract_algebra"), 1000)).isEqualTo(471);
        assertThat(AffinityPartitioner.partitionOf(utf8("ünïcødé 😀"), 1000)).isEqualTo(541);
        // ... and what Kafka's own partitioner gives a record keyed by the same string.
        for (String key : List.of("chat-42", "mmlu/abstract_algebra", "ünïcødé 😀")) {
            assertThat(AffinityPartitioner.partitionOf(utf8(key), 12))
                    .isEqualTo(BuiltInPartitioner.partitionForKey(utf8(key), 12));
        }
    }

    @Test
    void sessionWinsOverPrefixKeyWhichWinsOverTheTextPrefix() {
        PromptRequest all = text("r", "Question: 1+1?").setSessionId("s").setPrefixKey("p").setPrefixRouteChars(5)
                .build();
        PromptRequest keyAndChars = text("r", "Question: 1+1?").setPrefixKey("p").setPrefixRouteChars(5).build();

        assertThat(key(all)).isEqualTo("s");
        assertThat(key(keyAndChars)).isEqualTo("p");
    }

    @Test
    void textPrefixOfNCodePointsIsHashedSoCommonStartsMeet() {
        PromptRequest a = text("a", "Few-shot header. Q1").setPrefixRouteChars(16).build();
        PromptRequest b = text("b", "Few-shot header. Q2 is longer").setPrefixRouteChars(16).build();
        PromptRequest shortText = text("c", "Few").setPrefixRouteChars(16).build();
        // Code points, not UTF-16 chars: the emoji counts once and is never cut in half.
        PromptRequest emoji = text("d", "😀😀abc").setPrefixRouteChars(3).build();

        assertThat(key(a)).isEqualTo("Few-shot header.").isEqualTo(key(b));
        assertThat(key(shortText)).isEqualTo("Few");
        assertThat(key(emoji)).isEqualTo("😀😀a");
    }

    @Test
    void chatUsesTheFirstMessagesContent() {
        PromptRequest chat = PromptRequest.newBuilder().setRequestId("r").setModel("m").setTask(Task.GENERATE)
                .setMessages(List.of(new ChatMessage("system", "You are terse."), new ChatMessage("user", "Hi")))
                .setPrefixRouteChars(7).build();

        assertThat(key(chat)).isEqualTo("You are");
    }

    @Test
    void inputIdsUseTheFirstNIdsAsBigEndianInts() {
        PromptRequest ids = PromptRequest.newBuilder().setRequestId("r").setModel("m").setTask(Task.SCORE)
                .setInputIds(List.of(1, 258, 7)).setPrefixRouteChars(2).build();

        assertThat(AffinityPartitioner.affinityKey(ids)).hasValueSatisfying(bytes ->
                assertThat(bytes).containsExactly(0, 0, 0, 1, 0, 0, 1, 2));
    }

    @Test
    void distinctSessionsSpreadOverThePartitions() {
        Set<Integer> used = new HashSet<>();
        IntStream.range(0, 200).forEach(i -> used.addAll(partitioner.partitions(TOPIC, "r" + i,
                text("r" + i, "same text").setSessionId("session-" + i).build(), 8).orElseThrow()));

        assertThat(used).hasSize(8);
    }

    private static PromptRequest.Builder text(String id, String text) {
        return PromptRequest.newBuilder().setRequestId(id).setModel("m").setTask(Task.SCORE).setText(text);
    }

    private static String key(PromptRequest r) {
        Optional<byte[]> bytes = AffinityPartitioner.affinityKey(r);
        return new String(bytes.orElseThrow(), StandardCharsets.UTF_8);
    }

    private static int expected(String key, int partitions) {
        return BuiltInPartitioner.partitionForKey(utf8(key), partitions);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
