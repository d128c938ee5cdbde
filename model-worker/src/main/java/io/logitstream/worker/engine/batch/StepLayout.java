package io.logitstream.worker.engine.batch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one continuous-batching step feeds the model: for every participating sequence, its KV
 * cache slot, the tokens it appends this step (a prefill chunk, or the one token of a decode step)
 * and which of those positions need logits.
 *
 * <p>The tokens of all sequences form one flat row (no padding): sequence after sequence in slot
 * order, each sequence's tokens consecutive. Linear layers run once over the whole row;
 * attention runs per group of consecutive slots that feed the same number of tokens (all
 * decoding sequences of a step usually form one group).
 */
public final class StepLayout {

    /**
     * One sequence's part of the step: it appends {@code tokens} after {@code past} cached ones and
     * wants the logits of the chunk's positions {@code [logitsFrom, logitsTo)} (relative to the chunk;
     * an empty range for none). {@code override}: the sequence's embeddings that replace token
     * embeddings (image features, by sequence position), or null.
     */
    public record Entry(int slot, int past, int[] tokens, int logitsFrom, int logitsTo,
            io.logitstream.worker.engine.EmbeddingOverride override) {
        public Entry(int slot, int past, int[] tokens, int logitsFrom, int logitsTo) {
            this(slot, past, tokens, logitsFrom, logitsTo, null);
        }

        public Entry {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("a step entry feeds at least one token");
            }
            if (logitsFrom < 0 || logitsTo > tokens.length) {
                throw new IllegalArgumentException("logits range [" + logitsFrom + ", " + logitsTo
                        + ") outside the chunk of " + tokens.length);
            }
        }

        /** An entry that wants the logits of its chunk from {@code logitsFrom} to the end. */
        public Entry(int slot, int past, int[] tokens, int logitsFrom) {
            this(slot, past, tokens, logitsFrom, tokens.length);
        }

        /** Rows of logits this entry wants. */
        public int logitRows() {
            return Math.max(0, logitsTo - logitsFrom);
        }
    }

    /** Consecutive slots [firstSlot, firstSlot + slots) that each feed {@code tokens} tokens, from flat offset {@code offset}. */
    public record Group(int firstSlot, int slots, int tokens, int offset, int[] pasts) {
    }

    private final List<Entry> entries;
    private final List<Group> groups;
    private final int totalTokens;
    private final int[] logitIndex;

    private StepLayout(List<Entry> entries) {
        this.entries = List.copyOf(entries);
        List<Group> gs = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        int offset = 0;
        int i = 0;
        while (i < entries.size()) {
            Entry first = entries.get(i);
            int j = i + 1;
            while (j < entries.size() && entries.get(j).slot() == first.slot() + (j - i)
                    && entries.get(j).tokens().length == first.tokens().length) {
                j++;
            }
            int[] pasts = new int[j - i];
            for (int k = i; k < j; k++) {
                pasts[k - i] = entries.get(k).past();
            }
            gs.add(new Group(first.slot(), j - i, first.tokens().length, offset, pasts));
            for (int k = i; k < j; k++) {
                Entry e = entries.get(k);
                for (int p = e.logitsFrom(); p < e.logitsTo(); p++) {
                    rows.add(offset + p);
                }
                offset += e.tokens().length;
            }
            i = j;
        }
        this.groups = List.copyOf(gs);
        this.totalTokens = offset;
        this.logitIndex = rows.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A layout over entries sorted by slot (each slot at most once). */
    public static StepLayout of(List<Entry> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a step needs at least one sequence");
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> Integer.compare(a.slot(), b.slot()));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).slot() == sorted.get(i - 1).slot()) {
                throw new IllegalArgumentException("slot " + sorted.get(i).slot() + " appears twice in one step");
            }
        }
        return new StepLayout(sorted);
    }

    public List<Entry> entries() {
        return entries;
    }

    public List<Group> groups() {
        return groups;
    }

    /** Tokens of the flat row. */
    public int totalTokens() {
        return totalTokens;
    }

    /** Flat indices of the rows whose logits are computed, in entry order. */
    public int[] logitIndex() {
        return logitIndex.clone();
    }

    public int logitRowCount() {
        return logitIndex.length;
    }

    /** The flat row's token ids. */
    public long[] flatTokens() {
        long[] out = new long[totalTokens];
        int k = 0;
        for (Entry e : entries) {
            for (int t : e.tokens()) {
                out[k++] = t;
            }
        }
        return out;
    }

    /** Each flat token's position in its own sequence: past + index in chunk. */
    public long[] flatPositions() {
        long[] out = new long[totalTokens];
        int k = 0;
        for (Entry e : entries) {
            for (int t = 0; t < e.tokens().length; t++) {
                out[k++] = e.past() + t;
            }
        }
        return out;
    }

    /** The longest sequence after this step (past + chunk). */
    public int maxEnd() {
        return entries.stream().mapToInt(e -> e.past() + e.tokens().length).max().orElse(0);
    }

    @Override
    public String toString() {
        return "StepLayout" + Arrays.toString(entries.stream().map(e -> e.slot() + ":" + e.past() + "+"
                + e.tokens().length).toArray());
    }
}
