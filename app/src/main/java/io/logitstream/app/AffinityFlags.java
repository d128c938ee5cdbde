package io.logitstream.app;

import io.logitstream.schema.PromptRequest;
import picocli.CommandLine.Option;

/**
 * Where the topology routes a request: to the partition (so the worker) of its session or prefix
 * key, or of its text's first characters. Unset flags leave the request to Kafka's default.
 */
public final class AffinityFlags {

    @Option(names = "--session-id", paramLabel = "ID",
            description = "A conversation: the worker keeps its KV cache, so the next turn (sent in full) computes only new tokens.")
    String sessionId;

    @Option(names = "--prefix-key", paramLabel = "KEY",
            description = "Requests naming the same key share a prompt prefix and go to one worker (few-shot evaluation).")
    String prefixKey;

    @Option(names = "--prefix-route-chars", paramLabel = "N",
            description = "Without --session-id or --prefix-key: route by the first N characters of the input.")
    Integer prefixRouteChars;

    /** Sets the routing fields of {@code request}. */
    public PromptRequest.Builder applyTo(PromptRequest.Builder request) {
        return request.setSessionId(sessionId).setPrefixKey(prefixKey).setPrefixRouteChars(prefixRouteChars);
    }
}
