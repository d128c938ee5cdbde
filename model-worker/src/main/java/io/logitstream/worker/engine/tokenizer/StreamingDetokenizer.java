package io.logitstream.worker.engine.tokenizer;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Turns a growing list of token ids into text deltas that never split a character.
 *
 * <p>A byte-level token can end in the middle of a UTF-8 sequence (an emoji is often 2-4 tokens);
 * decoding then yields U+FFFD. So each step decodes a short window of recent tokens, emits only
 * the part after what was already emitted, and holds back any trailing U+FFFD until the next
 * tokens complete the character. The window starts a few tokens back, not at the new token,
 * because decoders such as SentencePiece's treat the first token of a text specially (leading
 * space); emitting the difference between two decodes of the same window is immune to that.
 * Decoding a bounded window keeps each step O(1) instead of O(length).
 */
public final class StreamingDetokenizer {
    /** Tokens of left context kept when the window slides. */
    private static final int CONTEXT_TOKENS = 4;
    /** Window length that triggers a slide. */
    private static final int MAX_WINDOW = 16;

    private final Function<int[], String> decoder;
    private int[] ids = new int[16];
    private int size;
    /** First token of the decode window. */
    private int windowStart;
    /** Characters of decode(window) already emitted. */
    private int emitted;

    /** @param decoder decodes ids to text (skipping special tokens, without space clean-up) */
    public StreamingDetokenizer(Function<int[], String> decoder) {
        this.decoder = decoder;
    }

    /** A detokenizer over a model's tokenizer that leaves special tokens (e.g. EOS) out of the text. */
    public static StreamingDetokenizer of(TextTokenizer tokenizer) {
        return new StreamingDetokenizer(ids -> tokenizer.decodeRaw(ids, true));
    }

    /** Adds one token and returns the newly stable text (possibly empty). */
    public String add(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
        String text = decoder.apply(Arrays.copyOfRange(ids, windowStart, size));
        int stable = text.length();
        while (stable > 0 && text.charAt(stable - 1) == '\uFFFD') {
            stable--;
        }
        String delta = "";
        if (stable > emitted) {
            delta = text.substring(emitted, stable);
            emitted = stable;
        }
        if (stable == text.length() && size - windowStart >= MAX_WINDOW) {
            // Everything is emitted and stable: restart the window a few tokens back.
            windowStart = size - CONTEXT_TOKENS;
            emitted = decoder.apply(Arrays.copyOfRange(ids, windowStart, size)).length();
        }
        return delta;
    }

    /**
     * Emits whatever is still held back (trailing replacement characters of a sequence that
     * ended mid-character), so that the concatenated deltas equal the decode of all tokens.
     */
    public String flush() {
        String text = decoder.apply(Arrays.copyOfRange(ids, windowStart, size));
        String delta = text.length() > emitted ? text.substring(emitted) : "";
        emitted = text.length();
        return delta;
    }

    public int tokenCount() {
        return size;
    }
}
