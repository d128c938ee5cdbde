package io.logitstream.app.chaos;

import io.logitstream.schema.GenerationOutput;
import io.logitstream.schema.TokenChunk;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Rebuilds token streams the way the contract tells readers to: dedupe chunks on (request_id, seq),
 * then concatenate in seq order. After a crash a retried request re-sends chunks it had already
 * sent; with greedy or seeded generation those are true duplicates, so a duplicate whose content
 * differs is reported as a conflict.
 */
final class TokenStreams {

    /** One request's deduped stream, and what dedupe had to fold. */
    record Stream(TreeMap<Integer, TokenChunk> bySeq, int duplicates, int conflicts) {

        String text() {
            StringBuilder text = new StringBuilder();
            bySeq.values().forEach(c -> text.append(c.getText()));
            return text.toString();
        }

        List<Integer> tokenIds() {
            List<Integer> ids = new ArrayList<>();
            bySeq.values().forEach(c -> ids.addAll(c.getTokenIds()));
            return ids;
        }

        /** Ends in a final chunk and has every seq from 0 up to it. */
        boolean complete() {
            return !bySeq.isEmpty() && bySeq.lastEntry().getValue().getIsFinal()
                    && bySeq.firstKey() == 0 && bySeq.lastKey() == bySeq.size() - 1;
        }
    }

    private TokenStreams() {
    }

    /** Chunks grouped by request and deduped on seq (the last copy wins: it is the latest attempt's). */
    static Map<String, Stream> dedupe(List<TokenChunk> chunks) {
        Map<String, TreeMap<Integer, TokenChunk>> bySeq = new HashMap<>();
        Map<String, int[]> folded = new HashMap<>(); // {duplicates, conflicts}
        for (TokenChunk chunk : chunks) {
            TokenChunk previous = bySeq.computeIfAbsent(chunk.getRequestId(), id -> new TreeMap<>())
                    .put(chunk.getSeq(), chunk);
            int[] counts = folded.computeIfAbsent(chunk.getRequestId(), id -> new int[2]);
            if (previous != null) {
                counts[0]++;
                if (!sameContent(previous, chunk)) {
                    counts[1]++;
                }
            }
        }
        Map<String, Stream> streams = new HashMap<>();
        bySeq.forEach((id, seqs) -> streams.put(id, new Stream(seqs, folded.get(id)[0], folded.get(id)[1])));
        return streams;
    }

    /**
     * What is wrong with one request's stream against its final result: nothing (null) when it is
     * complete and its text and token ids are the result's.
     */
    static String problem(Stream stream, GenerationOutput result) {
        if (stream == null) {
            return "no token chunks";
        }
        if (!stream.complete()) {
            return "incomplete: seqs " + stream.bySeq().keySet() + ", last is_final="
                    + stream.bySeq().lastEntry().getValue().getIsFinal();
        }
        if (stream.conflicts() > 0) {
            return stream.conflicts() + " re-sent chunks differ from the first copy";
        }
        if (!stream.text().equals(result.getText())) {
            return "text " + quoted(stream.text()) + " != result text " + quoted(result.getText());
        }
        if (!stream.tokenIds().equals(result.getNewIds())) {
            return "token ids " + stream.tokenIds() + " != result new_ids " + result.getNewIds();
        }
        return null;
    }

    private static boolean sameContent(TokenChunk a, TokenChunk b) {
        return a.getText().equals(b.getText()) && a.getTokenIds().equals(b.getTokenIds())
                && a.getIsFinal() == b.getIsFinal() && Objects.equals(a.getFinishReason(), b.getFinishReason());
    }

    private static String quoted(String s) {
        return '"' + s.replace("\n", "\\n") + '"';
    }
}
