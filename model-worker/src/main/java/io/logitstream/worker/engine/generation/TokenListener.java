package io.logitstream.worker.engine.generation;

/** Receives tokens while they are generated (for streaming); called on the generating thread. */
@FunctionalInterface
public interface TokenListener {
    TokenListener NONE = token -> { };

    void onToken(GeneratedToken token);
}
