package io.logitstream.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.schema.TokenChunk;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkOrderTest {

    @Test
    void chunksComeOutInOrderOnceEach() {
        ChunkOrder order = new ChunkOrder();

        assertThat(order.accept(chunk(1))).as("waits for seq 0").isEmpty();
        assertThat(order.accept(chunk(0))).extracting(TokenChunk::getSeq).containsExactly(0, 1);
        assertThat(order.accept(chunk(0))).as("a retried worker's repeat").isEmpty();
        assertThat(order.accept(chunk(3))).isEmpty();
        assertThat(order.accept(chunk(3))).isEmpty();
        assertThat(order.accept(chunk(2))).extracting(TokenChunk::getSeq).containsExactly(2, 3);
    }

    private static TokenChunk chunk(int seq) {
        return TokenChunk.newBuilder().setRequestId("r").setModel("m").setSeq(seq).setTokenIds(List.of(seq))
                .setText("t" + seq).build();
    }
}
