package io.logitstream.worker.task;

import io.logitstream.schema.TokenChunk;

/** Receives live token chunks while a request is generating (the Kafka runner publishes them). */
@FunctionalInterface
public interface TokenSink {

    void send(TokenChunk chunk);

    /** Drops every chunk; for callers that only want the final result. */
    TokenSink DISCARD = chunk -> { };
}
