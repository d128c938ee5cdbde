package io.logitstream.worker.task;

import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.TokenChunk;
import io.logitstream.worker.engine.generation.GeneratedToken;
import io.logitstream.worker.engine.generation.TokenListener;
import java.util.List;

/** Turns generated tokens into token chunks of one request, one per token, numbered from 0. */
final class ChunkPublisher implements TokenListener {
    private final PromptRequest request;
    private final TokenSink sink;
    private final String workerId;

    ChunkPublisher(PromptRequest request, TokenSink sink, String workerId) {
        this.request = request;
        this.sink = sink;
        this.workerId = workerId;
    }

    @Override
    public void onToken(GeneratedToken token) {
        sink.send(TokenChunk.newBuilder()
                .setRequestId(request.getRequestId())
                .setModel(request.getModel())
                .setSeq(token.index())
                .setTokenIds(List.of(token.tokenId()))
                .setText(token.textDelta())
                .setLogprob(token.logprob())
                .setTopLogprobs(AvroLists.top(token.topIds(), token.topLogprobs()))
                .setIsFinal(token.last())
                .setFinishReason(token.last() ? token.finishReason().wireName() : null)
                .setWorkerId(workerId)
                .build());
    }

    /**
     * Beam search knows its best sequence only at the end: one final chunk carries it whole, so a
     * reader of the token stream still sees every request finish.
     */
    void whole(List<Integer> ids, String text, String finishReason) {
        sink.send(TokenChunk.newBuilder()
                .setRequestId(request.getRequestId())
                .setModel(request.getModel())
                .setSeq(0)
                .setTokenIds(ids)
                .setText(text)
                .setLogprob(null)
                .setTopLogprobs(null)
                .setIsFinal(true)
                .setFinishReason(finishReason)
                .setWorkerId(workerId)
                .build());
    }
}
