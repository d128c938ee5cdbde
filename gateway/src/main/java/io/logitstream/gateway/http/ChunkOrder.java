package io.logitstream.gateway.http;

import io.logitstream.schema.TokenChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The token chunks of one request in seq order, each once: a chunk seen before (a worker that
 * crashed and retried the request sends its chunks again) is dropped, and one that arrives ahead
 * of a missing one waits for it.
 */
final class ChunkOrder {

    private final TreeMap<Integer, TokenChunk> early = new TreeMap<>();
    private int next;

    /** The chunks that can be passed on now, in order. */
    List<TokenChunk> accept(TokenChunk chunk) {
        if (chunk.getSeq() < next || early.containsKey(chunk.getSeq())) {
            return List.of();
        }
        early.put(chunk.getSeq(), chunk);
        List<TokenChunk> ready = new ArrayList<>();
        while (!early.isEmpty() && early.firstKey() == next) {
            ready.add(early.pollFirstEntry().getValue());
            next++;
        }
        return ready;
    }
}
