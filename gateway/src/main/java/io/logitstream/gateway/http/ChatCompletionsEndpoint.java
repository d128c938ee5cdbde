package io.logitstream.gateway.http;

import com.sun.net.httpserver.HttpExchange;
import io.logitstream.gateway.kafka.KafkaBackend;
import io.logitstream.gateway.openai.ChatMapper;
import io.logitstream.gateway.openai.ChatPlan;
import io.logitstream.gateway.openai.ChatResponse;
import io.logitstream.gateway.openai.StreamChunks;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;

/** {@code POST /v1/chat/completions}. */
final class ChatCompletionsEndpoint implements Endpoint {

    private final KafkaBackend backend;
    private final ChatMapper mapper = new ChatMapper(AnswerIds::requestId);
    private final Executor writers;
    private final Duration timeout;

    ChatCompletionsEndpoint(KafkaBackend backend, Executor writers, Duration timeout) {
        this.backend = backend;
        this.writers = writers;
        this.timeout = timeout;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        ChatPlan plan = mapper.map(Replies.readJson(exchange));
        backend.requireModel(plan.model());
        String id = AnswerIds.answerId("chatcmpl-");
        long created = AnswerIds.nowSeconds();
        if (plan.stream()) {
            new StreamRelay(backend, StreamChunks.chat(plan, id, created), plan.choices(), plan.includeUsage(),
                    timeout).run(exchange);
            exchange.close();
            return;
        }
        backend.callAll(plan.choices()).whenCompleteAsync((results, error) -> Replies.complete(exchange,
                error == null ? ChatResponse.build(plan, results, id, created) : null, error), writers);
    }
}
