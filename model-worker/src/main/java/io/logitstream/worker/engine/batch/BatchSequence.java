package io.logitstream.worker.engine.batch;

import java.util.Arrays;

/**
 * One sequence of the running batch: its tokens so far, how many of them are in its KV slot, and
 * which positions' logits its work wants. A prefill-only task (SCORE, CHOICE, TEACHER) knows all
 * its tokens up front; a generation appends one token after each step.
 */
public final class BatchSequence {
    private int[] tokens;
    private final int promptLength;
    private int length;
    private int fed;
    private int cached;
    private int computed;
    private int logitsFrom;
    private int logitsTo;
    private int slot = -1;
    private boolean held;
    private boolean generating;
    private io.logitstream.worker.engine.EmbeddingOverride override;

    /**
     * @param tokens the tokens to feed (the prompt)
     * @param logitsFrom first position whose logits are wanted
     * @param logitsTo end (exclusive) of the wanted positions
     */
    public BatchSequence(int[] tokens, int logitsFrom, int logitsTo) {
        this(tokens, logitsFrom, logitsTo, null);
    }

    /**
     * A sequence whose embeddings at some prompt positions are given instead of looked up (image
     * features); its cache key there is the image's, not the image token's ({@link #keyTokens}).
     */
    public BatchSequence(int[] tokens, int logitsFrom, int logitsTo,
            io.logitstream.worker.engine.EmbeddingOverride override) {
        this.override = override;
        if (tokens.length == 0) {
            throw new IllegalArgumentException("a sequence needs at least one token");
        }
        this.tokens = tokens.clone();
        this.length = tokens.length;
        this.promptLength = tokens.length;
        this.logitsFrom = logitsFrom;
        this.logitsTo = logitsTo;
    }

    /** Appends a generated token to feed next; its logits (the next prediction) are wanted. */
    public void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(8, tokens.length * 2));
        }
        tokens[length] = token;
        generating = true;
        logitsFrom = length;
        length++;
        logitsTo = length;
    }

    /**
     * Becomes a copy of {@code other}'s tokens (beam reordering; the KV slot is copied by the cache).
     * The usage counters ({@link #cached}, {@link #computed}) stay this slot's own.
     */
    public void copyFrom(BatchSequence other) {
        tokens = Arrays.copyOf(other.tokens, other.tokens.length);
        length = other.length;
        fed = other.fed;
        logitsFrom = other.logitsFrom;
        logitsTo = other.logitsTo;
        generating = other.generating;
    }

    /** Whether tokens have been generated (appended) after the prompt: one token per step from now on. */
    public boolean isGenerating() {
        return generating;
    }

    /** Tokens not yet in the KV cache (0 while held). */
    public int pending() {
        return held ? 0 : length - fed;
    }

    /**
     * Keeps the sequence out of the next steps until {@link #resume}: a beam that does not exist
     * yet holds a slot but feeds nothing until the first step forks it.
     */
    public void hold() {
        held = true;
    }

    public void resume() {
        held = false;
    }

    /**
     * How many leading positions could come from a cache instead of being computed: all before
     * the first position whose logits are wanted (logits are never cached), and never the last
     * token, which must be fed to predict anything.
     */
    public int reusableLength() {
        return Math.max(0, Math.min(logitsFrom, length - 1));
    }

    /** The first {@code count} tokens' keys and values were copied into the slot; they are not fed. */
    void skipCached(int count) {
        if (count > reusableLength() || fed != 0) {
            throw new IllegalStateException("cannot reuse " + count + " positions of a sequence at " + fed);
        }
        fed = count;
        cached = count;
    }

    /** Tokens this sequence's slot ran through the model (prompt chunks and fed-back generated tokens). */
    public int computed() {
        return computed;
    }

    /** Positions taken from a cache rather than computed. */
    public int cached() {
        return cached;
    }

    /** Tokens given before generation started (the prompt). */
    public int promptLength() {
        return promptLength;
    }

    /** Tokens in the KV cache. */
    public int fed() {
        return fed;
    }

    public int length() {
        return length;
    }

    public int[] tokens() {
        return Arrays.copyOf(tokens, length);
    }

    public int token(int position) {
        return tokens[position];
    }

    /**
     * What the prefix cache keys position {@code position} on: the token, or at a replaced (image)
     * position the image's key, so that different images never share cached keys and values.
     */
    public int keyToken(int position) {
        return override == null ? tokens[position] : override.keyAt(position, tokens[position]);
    }

    /** The cache keys of all positions ({@link #keyToken}). */
    public int[] keyTokens() {
        int[] keys = tokens();
        for (int p = 0; override != null && p < keys.length; p++) {
            keys[p] = keyToken(p);
        }
        return keys;
    }

    /**
     * Replaces the token embeddings at the override's positions (image features); set before the
     * sequence is admitted, since the cache keys of its positions change with it.
     */
    public void useEmbeddings(io.logitstream.worker.engine.EmbeddingOverride embeddings) {
        if (fed != 0 || slot >= 0) {
            throw new IllegalStateException("embeddings are fixed once a sequence is admitted");
        }
        this.override = embeddings;
    }

    /** The embeddings replacing token embeddings at some positions, or null. */
    public io.logitstream.worker.engine.EmbeddingOverride override() {
        return override;
    }

    public int slot() {
        return slot;
    }

    void assignSlot(int s) {
        slot = s;
    }

    /** The step entry for the next {@code count} pending tokens. */
    StepLayout.Entry entry(int count) {
        int from = Math.max(logitsFrom, fed) - fed;
        int to = Math.min(logitsTo, fed + count) - fed;
        return new StepLayout.Entry(slot, fed, Arrays.copyOfRange(tokens, fed, fed + count), Math.min(from, count),
                Math.max(Math.min(from, count), to), override);
    }

    /** Logit rows the next {@code count} pending tokens would produce. */
    int logitRows(int count) {
        return Math.max(0, Math.min(logitsTo, fed + count) - Math.max(logitsFrom, fed));
    }

    void advance(int count) {
        fed += count;
        computed += count;
    }
}
