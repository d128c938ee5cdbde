package io.logitstream.gateway.kafka;

import io.logitstream.gateway.GatewaySettings;
import io.logitstream.gateway.openai.ApiError;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.TokenChunk;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;

/**
 * What HTTP requests ask of Kafka: send a PromptRequest and get its result, follow its tokens.
 * All HTTP requests share one producer, one consumer of results and dead letters, one consumer of
 * token chunks and one admin client.
 */
public final class KafkaBackend implements AutoCloseable {

    private final GatewaySettings settings;
    private final PromptProducer producer;
    private final ResultDispatcher results;
    private final TokenDispatcher tokens;
    private final ServedModels models;
    private final Semaphore pending;

    private KafkaBackend(GatewaySettings settings, PromptProducer producer, ResultDispatcher results,
            TokenDispatcher tokens, ServedModels models) {
        this.settings = settings;
        this.producer = producer;
        this.results = results;
        this.tokens = tokens;
        this.models = models;
        this.pending = new Semaphore(settings.maxPending());
    }

    /** Connects; returns once the consumers follow the end of their topics. */
    public static KafkaBackend start(GatewaySettings settings) {
        SchemaRegistryClient registry = new RestSchemaRegistryClient(settings.registryUrl());
        var client = settings.clientProperties();
        ResultDispatcher results = new ResultDispatcher(client, settings.topics(), registry,
                settings.startupTimeout());
        TokenDispatcher tokens = null;
        try {
            tokens = new TokenDispatcher(client, settings.topics().tokens(), registry, settings.startupTimeout());
            return new KafkaBackend(settings, new PromptProducer(client, settings.topics().prompts(), registry),
                    results, tokens, new ServedModels(Admin.create(client), settings.topics(), settings.models(),
                    System::nanoTime));
        } catch (RuntimeException e) {
            results.close();
            if (tokens != null) {
                tokens.close();
            }
            throw e;
        }
    }

    public ServedModels models() {
        return models;
    }

    /** Requests sent and waiting for their answer (for metrics). */
    public int pendingCalls() {
        return settings.maxPending() - pending.availablePermits();
    }

    /** @throws ApiError 404 when the model is known not to be served */
    public void requireModel(String model) {
        if (!models.mayServe(model)) {
            throw ApiError.unknownModel(model);
        }
    }

    /**
     * Sends the request and completes with its OK result; exceptionally with an {@link ApiError}
     * for an ERROR result or a dead letter (the contract's code and message), a request the broker
     * did not take (503), no answer within the request timeout (504) or too many in flight (429).
     */
    public CompletableFuture<ScoringResult> call(PromptRequest request) {
        if (!pending.tryAcquire()) {
            return CompletableFuture.failedFuture(new ApiError(429, "rate_limit_error", ApiError.TOO_MANY_REQUESTS,
                    settings.maxPending() + " requests are waiting for answers; retry later"));
        }
        String id = request.getRequestId();
        CompletableFuture<Outcome> outcome = results.expect(id);
        producer.send(request).whenComplete((ok, error) -> {
            if (error != null) {
                outcome.completeExceptionally(new ApiError(503, "server_error", ApiError.BROKER_UNAVAILABLE,
                        "The broker did not take the request: " + error.getMessage()));
            }
        });
        long seconds = settings.requestTimeout().toSeconds();
        return outcome.orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((answer, error) -> {
                    results.forget(id);
                    pending.release();
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                        throw cause instanceof TimeoutException ? ApiError.timeout(seconds) : asApiError(cause);
                    }
                    return okResult(answer);
                });
    }

    /** Every request's OK result by request_id; fails as soon as one fails. */
    public CompletableFuture<Map<String, ScoringResult>> callAll(List<PromptRequest> requests) {
        CompletableFuture<Map<String, ScoringResult>> all = new CompletableFuture<>();
        Map<String, ScoringResult> answers = new LinkedHashMap<>();
        for (PromptRequest request : requests) {
            call(request).whenComplete((result, error) -> {
                if (error != null) {
                    all.completeExceptionally(error instanceof CompletionException ? error.getCause() : error);
                    return;
                }
                synchronized (answers) {
                    answers.put(request.getRequestId(), result);
                    if (answers.size() == requests.size()) {
                        all.complete(Map.copyOf(answers));
                    }
                }
            });
        }
        return all;
    }

    /** Follows the token chunks of {@code requestId} until the handle is closed; subscribe before {@link #call}. */
    public AutoCloseable followTokens(String requestId, Consumer<TokenChunk> listener) {
        return tokens.subscribe(requestId, listener);
    }

    private static ScoringResult okResult(Outcome answer) {
        if (answer instanceof Outcome.DeadLettered dead) {
            DeadLetter letter = dead.letter();
            throw ApiError.of(letter.getErrorCode(), letter.getErrorMessage());
        }
        ScoringResult result = ((Outcome.Answered) answer).result();
        if (result.getStatus() != ResultStatus.OK) {
            throw ApiError.of(result.getError().getCode(), result.getError().getMessage());
        }
        return result;
    }

    private static ApiError asApiError(Throwable error) {
        return error instanceof ApiError api ? api
                : new ApiError(500, "server_error", ApiError.INTERNAL, String.valueOf(error.getMessage()));
    }

    @Override
    public void close() {
        producer.close();
        results.close();
        tokens.close();
        models.close();
    }
}
