package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Positions as OpenAI writes logprobs: the completions layout and the chat layout. */
final class LogprobsJson {

    private LogprobsJson() {
    }

    /**
     * Completions: {@code tokens}, {@code token_logprobs} (null for the first prompt token),
     * {@code top_logprobs} (per position a {token: logprob} object of the alternatives and the
     * token itself, as vLLM gives it; null where the logprob is null) and {@code text_offset}
     * (where each token starts in the returned text, in characters).
     */
    static ObjectNode completion(List<TokenPosition> positions, TokenLabels labels) {
        ObjectNode out = Json.object();
        ArrayNode tokens = out.putArray("tokens");
        ArrayNode logprobs = out.putArray("token_logprobs");
        ArrayNode top = out.putArray("top_logprobs");
        ArrayNode offsets = out.putArray("text_offset");
        int offset = 0;
        for (TokenPosition p : positions) {
            tokens.add(p.token());
            offsets.add(offset);
            offset += p.token().codePointCount(0, p.token().length());
            if (p.logprob() == null) {
                logprobs.addNull();
                top.addNull();
                continue;
            }
            logprobs.add(p.logprob());
            ObjectNode entries = top.addObject();
            topEntries(p, labels).forEach(entries::put);
        }
        return out;
    }

    /**
     * The {token: logprob} entries of one position, most likely first (the token itself before an
     * alternative of equal logprob). The position's own token
     * keeps its string; an alternative whose string is already taken by another id (two byte
     * fragments both decode to U+FFFD) is spelled by its id, so no entry overwrites another.
     */
    static Map<String, Float> topEntries(TokenPosition p, TokenLabels labels) {
        Map<String, Integer> owner = new HashMap<>();
        owner.put(p.token(), p.id());
        // The token's own entry holds its own logprob, so that "is the token the top one" is the
        // exact comparison lm-evaluation-harness makes (token_logprob == max(top_logprobs.values())).
        List<TokenPosition.Alternative> all = new ArrayList<>();
        all.add(new TokenPosition.Alternative(p.id(), p.logprob()));
        p.alternatives().stream().filter(a -> a.id() != p.id()).forEach(all::add);
        all.sort(Comparator.comparingDouble(a -> -a.logprob()));
        Map<String, Float> entries = new LinkedHashMap<>();
        for (TokenPosition.Alternative a : all) {
            String label = a.id() == p.id() ? p.token() : labels.of(a.id());
            Integer taken = owner.putIfAbsent(label, a.id());
            if (taken != null && taken != a.id()) {
                label = TokenLabels.idLabel(a.id());
            }
            entries.put(label, a.logprob());
        }
        return entries;
    }

    /**
     * Chat: {@code {"content": [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}},
     * {@code top_logprobs} holding the alternatives asked for.
     */
    static ObjectNode chat(List<TokenPosition> positions, TokenLabels labels) {
        ObjectNode out = Json.object();
        ArrayNode content = out.putArray("content");
        for (TokenPosition p : positions) {
            ObjectNode entry = tokenEntry(p.token(), p.logprob());
            ArrayNode top = entry.putArray("top_logprobs");
            for (TokenPosition.Alternative a : p.alternatives()) {
                top.add(tokenEntry(a.id() == p.id() ? p.token() : labels.of(a.id()), a.logprob()));
            }
            content.add(entry);
        }
        out.putNull("refusal");
        return out;
    }

    private static ObjectNode tokenEntry(String token, Float logprob) {
        ObjectNode entry = Json.object();
        entry.put("token", token);
        if (logprob == null) {
            entry.putNull("logprob");
        } else {
            entry.put("logprob", logprob);
        }
        ArrayNode bytes = entry.putArray("bytes");
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
        return entry;
    }
}
