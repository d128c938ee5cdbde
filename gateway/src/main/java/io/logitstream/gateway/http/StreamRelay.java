package io.logitstream.gateway.http;

import com.sun.net.httpserver.HttpExchange;
import io.logitstream.gateway.kafka.KafkaBackend;
import io.logitstream.gateway.openai.ApiError;
import io.logitstream.gateway.openai.StreamChunks;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.TokenChunk;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A streamed answer: the token chunks of each choice's request as server-sent events while they
 * arrive, then, once the choice's result is committed, the text the chunks did not bring (if any)
 * and its finish reason. The result is the truth and the chunks its live preview, so a chunk lost
 * or never sent still ends in the right text. Runs on the HTTP thread until the stream ends.
 */
final class StreamRelay {

    private sealed interface Event {
        int index();
    }

    private record Chunk(int index, TokenChunk chunk) implements Event {
    }

    private record Done(int index, ScoringResult result) implements Event {
    }

    private record Failed(int index, ApiError error) implements Event {
    }

    private final KafkaBackend backend;
    private final StreamChunks format;
    private final List<PromptRequest> choices;
    private final boolean includeUsage;
    private final Duration timeout;

    StreamRelay(KafkaBackend backend, StreamChunks format, List<PromptRequest> choices, boolean includeUsage,
            Duration timeout) {
        this.backend = backend;
        this.format = format;
        this.choices = choices;
        this.includeUsage = includeUsage;
        this.timeout = timeout;
    }

    /** @throws ApiError when the request fails before anything was streamed: an ordinary error answer */
    void run(HttpExchange exchange) throws IOException {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        List<AutoCloseable> subscriptions = new ArrayList<>();
        try {
            for (int i = 0; i < choices.size(); i++) {
                int index = i;
                PromptRequest request = choices.get(i);
                subscriptions.add(backend.followTokens(request.getRequestId(), c -> events.add(new Chunk(index, c))));
                backend.call(request).whenComplete((result, error) -> events.add(error == null
                        ? new Done(index, result) : new Failed(index, Replies.asApiError(error))));
            }
            relay(events, new SseWriter(exchange));
        } finally {
            subscriptions.forEach(StreamRelay::closeQuietly);
        }
    }

    private void relay(BlockingQueue<Event> events, SseWriter sse) throws IOException {
        List<ChunkOrder> order = new ArrayList<>();
        List<StringBuilder> sent = new ArrayList<>();
        ScoringResult[] results = new ScoringResult[choices.size()];
        for (int i = 0; i < choices.size(); i++) {
            order.add(new ChunkOrder());
            sent.add(new StringBuilder());
        }
        int open = choices.size();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (open > 0) {
            Event event;
            try {
                event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (event == null || event instanceof Failed) {
                ApiError error = event == null ? ApiError.timeout(timeout.toSeconds()) : ((Failed) event).error();
                if (!sse.opened()) {
                    throw error; // nothing streamed yet: an ordinary error answer with its status
                }
                sse.event(error.toJson());
                sse.done();
                return;
            }
            int i = event.index();
            if (results[i] != null) {
                continue; // a chunk repeated after its choice ended
            }
            open(sse);
            if (event instanceof Chunk c) {
                for (TokenChunk chunk : order.get(i).accept(c.chunk())) {
                    if (!chunk.getText().isEmpty()) {
                        sse.event(format.delta(i, chunk));
                        sent.get(i).append(chunk.getText());
                    }
                }
            } else {
                ScoringResult result = ((Done) event).result();
                results[i] = result;
                String text = result.getGeneration().getText();
                if (text.startsWith(sent.get(i).toString()) && text.length() > sent.get(i).length()) {
                    sse.event(format.rest(i, text.substring(sent.get(i).length())));
                }
                sse.event(format.finish(i, result.getGeneration().getFinishReason()));
                open--;
            }
        }
        if (includeUsage) {
            sse.event(format.usage(List.of(results)));
        }
        sse.done();
    }

    /** Chat streams start each choice with the assistant role, once something is known to be coming. */
    private void open(SseWriter sse) throws IOException {
        if (sse.opened()) {
            return;
        }
        for (int i = 0; i < choices.size(); i++) {
            var opening = format.opening(i);
            if (opening != null) {
                sse.event(opening);
            }
        }
    }

    private static void closeQuietly(AutoCloseable subscription) {
        try {
            subscription.close();
        } catch (Exception e) {
            // removing a map entry: nothing to fail
        }
    }
}
