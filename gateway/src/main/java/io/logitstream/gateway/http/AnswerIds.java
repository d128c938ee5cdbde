package io.logitstream.gateway.http;

import java.util.UUID;

/** Ids of answers and of the Kafka requests behind them. */
final class AnswerIds {

    private AnswerIds() {
    }

    /** A request_id: unique, so the topology never takes a gateway request for a duplicate. */
    static String requestId() {
        return "gw-" + UUID.randomUUID();
    }

    static String answerId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "");
    }

    static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }
}
