package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.TokenChunk;
import java.util.List;

/**
 * The server-sent event payloads of a streamed answer: chat ({@code chat.completion.chunk}, text in
 * {@code delta.content}) or completions ({@code text_completion}, text in {@code text}). One
 * instance per HTTP request; not thread-safe (one relay thread writes the stream).
 */
public abstract class StreamChunks {

    private final Envelope envelope;
    private final boolean logprobs;
    private final TokenLabels labels = new TokenLabels();
    private final String object;

    private StreamChunks(Envelope envelope, boolean logprobs, String object) {
        this.envelope = envelope;
        this.logprobs = logprobs;
        this.object = object;
    }

    public static StreamChunks chat(ChatPlan plan, String id, long created) {
        return new Chat(new Envelope(id, created, plan.model()), plan.logprobs());
    }

    public static StreamChunks completion(CompletionPlan plan, String id, long created) {
        return new Completion(new Envelope(id, created, plan.model()), plan.logprobs() != null);
    }

    /** What a choice's stream starts with, before its first token (chat: the assistant role); null for none. */
    public abstract ObjectNode opening(int index);

    /** New text of choice {@code index}, from a token chunk (with its logprobs when asked for). */
    public ObjectNode delta(int index, TokenChunk chunk) {
        TokenPosition position = null;
        if (logprobs && chunk.getLogprob() != null && !chunk.getTokenIds().isEmpty()) {
            int id = chunk.getTokenIds().get(chunk.getTokenIds().size() - 1);
            labels.learn(id, chunk.getText());
            position = new TokenPosition(id, chunk.getText(), chunk.getLogprob(),
                    LogprobPositions.alternatives(chunk.getTopLogprobs()));
        }
        return delta(index, chunk.getText(), position);
    }

    /** Text the result has and the chunks did not bring (a stream that missed chunks), without logprobs. */
    public ObjectNode rest(int index, String text) {
        return delta(index, text, null);
    }

    /** The end of choice {@code index}, with OpenAI's finish reason for the worker's. */
    public ObjectNode finish(int index, String workerFinishReason) {
        ObjectNode chunk = start();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        emptyContent(choice);
        choice.putNull("logprobs");
        choice.put("finish_reason", Envelope.finishReason(workerFinishReason));
        return chunk;
    }

    /** {@code stream_options.include_usage}: the last chunk, no choices, the usage of all. */
    public ObjectNode usage(List<ScoringResult> results) {
        Usage usage = Usage.ofPrompt(results.get(0));
        for (ScoringResult r : results) {
            usage = usage.plus(Usage.ofCompletion(r));
        }
        ObjectNode chunk = start();
        chunk.putArray("choices");
        chunk.set("usage", usage.toJson());
        return chunk;
    }

    ObjectNode start() {
        return envelope.start(object, null);
    }

    private ObjectNode delta(int index, String text, TokenPosition position) {
        ObjectNode chunk = start();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        putText(choice, text);
        if (position == null) {
            choice.putNull("logprobs");
        } else {
            choice.set("logprobs", logprobs(List.of(position), labels));
        }
        choice.putNull("finish_reason");
        return chunk;
    }

    abstract void putText(ObjectNode choice, String text);

    abstract void emptyContent(ObjectNode choice);

    abstract ObjectNode logprobs(List<TokenPosition> positions, TokenLabels labels);

    private static final class Chat extends StreamChunks {
        Chat(Envelope envelope, boolean logprobs) {
            super(envelope, logprobs, "chat.completion.chunk");
        }

        @Override
        public ObjectNode opening(int index) {
            ObjectNode chunk = start();
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", index);
            choice.putObject("delta").put("role", "assistant").put("content", "");
            choice.putNull("logprobs");
            choice.putNull("finish_reason");
            return chunk;
        }

        @Override
        void putText(ObjectNode choice, String text) {
            choice.putObject("delta").put("content", text);
        }

        @Override
        void emptyContent(ObjectNode choice) {
            choice.putObject("delta");
        }

        @Override
        ObjectNode logprobs(List<TokenPosition> positions, TokenLabels labels) {
            return LogprobsJson.chat(positions, labels);
        }
    }

    private static final class Completion extends StreamChunks {
        Completion(Envelope envelope, boolean logprobs) {
            super(envelope, logprobs, "text_completion");
        }

        @Override
        public ObjectNode opening(int index) {
            return null;
        }

        @Override
        void putText(ObjectNode choice, String text) {
            choice.put("text", text);
        }

        @Override
        void emptyContent(ObjectNode choice) {
            choice.put("text", "");
        }

        @Override
        ObjectNode logprobs(List<TokenPosition> positions, TokenLabels labels) {
            return LogprobsJson.completion(positions, labels);
        }
    }
}
