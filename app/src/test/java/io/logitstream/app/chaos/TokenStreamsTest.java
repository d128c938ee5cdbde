package io.logitstream.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.schema.GenerationOutput;
import io.logitstream.schema.TokenChunk;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reader-side rebuild the chaos test relies on: dedupe on (request_id, seq), then concatenate. */
class TokenStreamsTest {

    @Test
    void aRetriedStreamRebuildsOnceDedupedOnSeq() {
        // Attempt 1 sent seq 0 and 1, then died; attempt 2 sent the whole stream again.
        List<TokenChunk> log = List.of(chunk("r", 0, 11, "Hel", false), chunk("r", 1, 12, "lo", false),
                chunk("r", 0, 11, "Hel", false), chunk("r", 1, 12, "lo", false), chunk("r", 2, 13, "!", true));

        TokenStreams.Stream stream = TokenStreams.dedupe(log).get("r");

        assertThat(stream.complete()).isTrue();
        assertThat(stream.text()).isEqualTo("Hello!");
        assertThat(stream.tokenIds()).containsExactly(11, 12, 13);
        assertThat(stream.duplicates()).isEqualTo(2);
        assertThat(stream.conflicts()).isZero();
        assertThat(TokenStreams.problem(stream, output("Hello!", 11, 12, 13))).isNull();
    }

    @Test
    void reportsWhatKeepsAStreamFromMatchingItsResult() {
        Map<String, TokenStreams.Stream> streams = TokenStreams.dedupe(List.of(
                chunk("gap", 0, 1, "a", false), chunk("gap", 2, 3, "c", true),
                chunk("open", 0, 1, "a", false),
                chunk("conflict", 0, 1, "a", true), chunk("conflict", 0, 2, "b", true),
                chunk("text", 0, 1, "a", true)));

        assertThat(TokenStreams.problem(streams.get("gap"), output("ac", 1, 3))).startsWith("incomplete");
        assertThat(TokenStreams.problem(streams.get("open"), output("a", 1))).startsWith("incomplete");
        assertThat(TokenStreams.problem(streams.get("conflict"), output("b", 2))).contains("differ");
        assertThat(TokenStreams.problem(streams.get("text"), output("z", 1))).startsWith("text");
        assertThat(TokenStreams.problem(streams.get("text"), output("a", 9))).startsWith("token ids");
        assertThat(TokenStreams.problem(null, output("a", 1))).isEqualTo("no token chunks");
    }

    private static TokenChunk chunk(String requestId, int seq, int tokenId, String text, boolean last) {
        return TokenChunk.newBuilder().setRequestId(requestId).setModel("m").setSeq(seq)
                .setTokenIds(List.of(tokenId)).setText(text).setIsFinal(last)
                .setFinishReason(last ? "length" : null).build();
    }

    private static GenerationOutput output(String text, Integer... ids) {
        GenerationOutput out = new GenerationOutput(); // only the fields a stream is checked against
        out.setText(text);
        out.setNewIds(List.of(ids));
        return out;
    }
}
