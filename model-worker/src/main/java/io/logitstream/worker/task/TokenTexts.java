package io.logitstream.worker.task;

import io.logitstream.worker.engine.tokenizer.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The text of single tokens, as results carry it ({@code ScoreOutput.tokens},
 * {@code GenerationOutput.tokens}) for clients that show tokens as strings (OpenAI logprobs).
 * Each id is decoded once per worker: a result then costs array lookups, not tokenizer calls.
 */
final class TokenTexts {

    /** Avro bytes per string beyond its UTF-8 bytes: the length varint (short tokens). */
    private static final int BYTES_PER_STRING = 2;
    /** A nullable float logprob and an int id, at most, per position. */
    private static final int BYTES_PER_POSITION = 10;

    private final TextTokenizer tokenizer;
    /**
     * Filled lazily; a race only decodes an id twice (String is immutable, so a plain array
     * publishes it safely).
     */
    private final String[] decoded;

    TokenTexts(TextTokenizer tokenizer, int vocabSize) {
        this.tokenizer = tokenizer;
        this.decoded = new String[Math.max(0, vocabSize)];
    }

    /**
     * The strings of {@code ids[from..]}, or null when the model has no tokenizer or they would take
     * more than {@code budgetBytes} of the result (the strings are an extra: never the reason a
     * result does not fit).
     */
    List<String> of(int[] ids, int from, long budgetBytes) {
        if (!tokenizer.isAvailable() || from >= ids.length) {
            return tokenizer.isAvailable() ? List.of() : null;
        }
        List<String> out = new ArrayList<>(ids.length - from);
        long bytes = 0;
        for (int i = from; i < ids.length; i++) {
            String text = text(ids[i]);
            bytes += text.getBytes(StandardCharsets.UTF_8).length + BYTES_PER_STRING;
            if (bytes > budgetBytes) {
                return null;
            }
            out.add(text);
        }
        return out;
    }

    /**
     * What the strings may take of a result of {@code positions} positions: the result's budget less
     * the per-position outputs (alternatives and selected tokens, {@code entriesPerPosition} each),
     * the logprob and the input id of each position.
     */
    static long budget(long maxResultBytes, int positions, int entriesPerPosition) {
        return maxResultBytes - (long) positions * ((long) entriesPerPosition * LogprobRequest.BYTES_PER_ENTRY
                + BYTES_PER_POSITION);
    }

    private String text(int id) {
        if (id < 0 || id >= decoded.length) {
            return tokenizer.tokenText(id);
        }
        String text = decoded[id];
        if (text == null) {
            text = tokenizer.tokenText(id);
            decoded[id] = text;
        }
        return text;
    }
}
