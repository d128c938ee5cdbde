package io.logitstream.gateway.http;

import com.sun.net.httpserver.HttpExchange;
import io.logitstream.gateway.kafka.KafkaBackend;
import io.logitstream.gateway.openai.CompletionMapper;
import io.logitstream.gateway.openai.CompletionPlan;
import io.logitstream.gateway.openai.CompletionResponse;
import io.logitstream.gateway.openai.StreamChunks;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;

/** {@code POST /v1/completions}. */
final class CompletionsEndpoint implements Endpoint {

    private final KafkaBackend backend;
    private final CompletionMapper mapper = new CompletionMapper(AnswerIds::requestId);
    private final Executor writers;
    private final Duration timeout;

    CompletionsEndpoint(KafkaBackend backend, Executor writers, Duration timeout) {
        this.backend = backend;
        this.writers = writers;
        this.timeout = timeout;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        CompletionPlan plan = mapper.map(Replies.readJson(exchange));
        backend.requireModel(plan.model());
        String id = AnswerIds.answerId("cmpl-");
        long created = AnswerIds.nowSeconds();
        if (plan.stream()) {
            new StreamRelay(backend, StreamChunks.completion(plan, id, created), plan.requests(), plan.includeUsage(),
                    timeout).run(exchange);
            exchange.close();
            return;
        }
        backend.callAll(plan.requests()).whenCompleteAsync((results, error) -> Replies.complete(exchange,
                error == null ? CompletionResponse.build(plan, results, id, created) : null, error), writers);
    }
}
