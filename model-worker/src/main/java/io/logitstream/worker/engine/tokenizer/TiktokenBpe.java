package io.logitstream.worker.engine.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tiktoken byte-level BPE: the rank file ({@code base64(token bytes) rank} per line, what
 * {@code tiktoken.load.load_tiktoken_bpe} reads) and tiktoken's {@code encode_ordinary}: the text is
 * cut by the pre-tokenization regex, each piece's UTF-8 bytes are one token when they are a token,
 * else merged pairwise, always the adjacent pair whose concatenation has the lowest rank first
 * (leftmost on ties), as tiktoken's {@code byte_pair_merge} does.
 *
 * <p>Byte strings are keyed as ISO-8859-1 strings (one char per byte).
 */
final class TiktokenBpe {
    private static final Pattern LINE = Pattern.compile("[A-Za-z0-9+/]+=*\\s+\\d+");

    private final Map<String, Integer> ranks;
    private final byte[][] bytesByRank;
    private final Pattern pattern;

    private TiktokenBpe(Map<String, Integer> ranks, byte[][] bytesByRank, Pattern pattern) {
        this.ranks = ranks;
        this.bytesByRank = bytesByRank;
        this.pattern = pattern;
    }

    /** Whether the file is a tiktoken rank file (first line: base64 and a number), not SentencePiece's protobuf. */
    static boolean isRankFile(Path file) {
        byte[] head = new byte[256];
        int n;
        try (var in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            return false;
        }
        String text = new String(head, 0, n, StandardCharsets.ISO_8859_1);
        int end = text.indexOf('\n');
        return end > 0 && LINE.matcher(text.substring(0, end).strip()).matches();
    }

    static TiktokenBpe load(Path file, Pattern pattern) throws IOException {
        Map<String, Integer> ranks = new HashMap<>();
        int max = -1;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                line = line.strip();
                if (line.isEmpty()) {
                    continue;
                }
                String[] parts = line.split("\\s+");
                if (parts.length != 2) {
                    throw new IOException("not a tiktoken rank line: " + line);
                }
                byte[] token = Base64.getDecoder().decode(parts[0]);
                int rank = Integer.parseInt(parts[1]);
                ranks.put(new String(token, StandardCharsets.ISO_8859_1), rank);
                max = Math.max(max, rank);
            }
        }
        byte[][] bytesByRank = new byte[max + 1][];
        for (Map.Entry<String, Integer> e : ranks.entrySet()) {
            bytesByRank[e.getValue()] = e.getKey().getBytes(StandardCharsets.ISO_8859_1);
        }
        return new TiktokenBpe(ranks, bytesByRank, pattern);
    }

    /** The number of ranks (tiktoken's {@code len(mergeable_ranks)}). */
    int size() {
        return ranks.size();
    }

    /** The bytes of a rank, or null for an id that is no rank. */
    byte[] bytes(int rank) {
        return rank >= 0 && rank < bytesByRank.length ? bytesByRank[rank] : null;
    }

    /** tiktoken's {@code encode_ordinary}: special-token strings are plain text here. */
    void encodeOrdinary(String text, List<Integer> out) {
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            String piece = new String(m.group().getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            Integer whole = ranks.get(piece);
            if (whole != null) {
                out.add(whole);
            } else {
                bytePairEncode(piece, out);
            }
        }
    }

    /** tiktoken's byte_pair_merge over one piece, then the ranks of the parts. */
    private void bytePairEncode(String piece, List<Integer> out) {
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i <= piece.length(); i++) {
            starts.add(i);
        }
        while (starts.size() > 2) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 2 < starts.size(); i++) {
                Integer r = ranks.get(piece.substring(starts.get(i), starts.get(i + 2)));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            starts.remove(best + 1);
        }
        for (int i = 0; i + 1 < starts.size(); i++) {
            String part = piece.substring(starts.get(i), starts.get(i + 1));
            Integer r = ranks.get(part);
            if (r == null) {
                throw new TokenizerException("tiktoken ranks have no token for the bytes of " + part
                        + " (a rank file without all 256 single bytes)");
            }
            out.add(r);
        }
    }
}
