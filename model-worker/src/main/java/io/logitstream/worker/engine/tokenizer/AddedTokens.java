package io.logitstream.worker.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The added and special tokens of a slow (Python) transformers tokenizer, read the way transformers
 * 4's {@code from_pretrained} reads them, and the split of a text on them that its
 * {@code PreTrainedTokenizer.tokenize} does before the model's own tokenizer sees the pieces between.
 *
 * <p>Sources: {@code tokenizer_config.json}'s special-token fields and {@code added_tokens_decoder};
 * when that has no {@code added_tokens_decoder}, the older files: {@code special_tokens_map.json}
 * (overriding the config's special-token fields) and {@code added_tokens.json}. Special tokens not
 * yet added get the vocabulary id of the same piece, or the next id after the vocabulary.
 */
final class AddedTokens {
    static final String ADDED_TOKENS_FILE = "added_tokens.json";
    static final String SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json";
    private static final List<String> SPECIAL_KEYS = List.of("bos_token", "eos_token", "unk_token", "pad_token");

    /** One added token with the AddedToken flags that change tokenization. */
    record Token(String content, int id, boolean lstrip, boolean rstrip, boolean singleWord) {
    }

    /** A piece of the split text: an added token, or plain text (token null). */
    record Segment(String text, Token token) {
    }

    private final Map<String, Token> byContent = new LinkedHashMap<>();
    /** The tokens by their first character, longest first: the split looks only at these. */
    private final Map<Character, List<Token>> byFirstChar = new HashMap<>();
    private final Map<Integer, Token> byId = new LinkedHashMap<>();
    private final Set<String> allSpecial = new LinkedHashSet<>();
    private final Set<String> additionalSpecial = new LinkedHashSet<>();
    private final SpecialTokens specialTokens;

    /**
     * @param defaults the tokenizer class's default special tokens (LlamaTokenizer: {@code <s>},
     *     {@code </s>}, {@code <unk>})
     * @param vocabId the id of a vocabulary piece, or null when the string is none
     * @param vocabSize the size of the model's own vocabulary
     */
    AddedTokens(Path dir, JsonNode config, SpecialTokens defaults, Function<String, Integer> vocabId, int vocabSize) {
        Map<String, String> special = new LinkedHashMap<>();
        special.put("bos_token", defaults.bos());
        special.put("eos_token", defaults.eos());
        special.put("unk_token", defaults.unk());
        special.put("pad_token", defaults.pad());
        for (String key : SPECIAL_KEYS) {
            if (config.has(key)) {
                special.put(key, SpecialTokens.content(config, key));
            }
        }
        addAll(additionalSpecial, config.path("additional_special_tokens"));
        JsonNode decoder = config.get("added_tokens_decoder");
        if (decoder != null && decoder.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = decoder.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode t = e.getValue();
                put(new Token(t.path("content").asText(), Integer.parseInt(e.getKey()),
                        t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false),
                        t.path("single_word").asBoolean(false)));
            }
        } else {
            JsonNode map = readJson(dir.resolve(SPECIAL_TOKENS_MAP_FILE));
            for (String key : SPECIAL_KEYS) {
                if (map.hasNonNull(key)) {
                    special.put(key, SpecialTokens.content(map, key));
                }
            }
            addAll(additionalSpecial, map.path("additional_special_tokens"));
            JsonNode added = readJson(dir.resolve(ADDED_TOKENS_FILE));
            for (Iterator<Map.Entry<String, JsonNode>> it = added.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                put(new Token(e.getKey(), e.getValue().asInt(), false, false, false));
            }
        }
        this.specialTokens = new SpecialTokens(special.get("bos_token"), special.get("eos_token"),
                special.get("unk_token"), special.get("pad_token"));
        for (String s : special.values()) {
            if (s != null) {
                allSpecial.add(s);
            }
        }
        allSpecial.addAll(additionalSpecial);
        // transformers adds the special tokens that are not added yet, in this order
        int next = Math.max(vocabSize, byId.keySet().stream().mapToInt(i -> i + 1).max().orElse(0));
        for (String s : allSpecial) {
            if (!byContent.containsKey(s)) {
                Integer id = vocabId.apply(s);
                put(new Token(s, id != null ? id : next++, false, false, false));
            }
        }
        for (Token t : byContent.values()) {
            byFirstChar.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
        }
        byFirstChar.values().forEach(l -> l.sort((a, b) -> b.content().length() - a.content().length()));
    }

    private void put(Token t) {
        if (t.content().isEmpty()) {
            return;
        }
        byContent.put(t.content(), t);
        byId.put(t.id(), t);
    }

    private static void addAll(Set<String> into, JsonNode list) {
        if (list.isArray()) {
            for (JsonNode t : list) {
                into.add(t.isObject() ? t.path("content").asText() : t.asText());
            }
        }
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return new ObjectMapper().createObjectNode();
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new TokenizerException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    SpecialTokens specialTokens() {
        return specialTokens;
    }

    Token byId(int id) {
        return byId.get(id);
    }

    Integer idOf(String content) {
        Token t = byContent.get(content);
        return t == null ? null : t.id();
    }

    boolean isSpecial(String token) {
        return allSpecial.contains(token);
    }

    /** transformers' {@code all_special_ids}, for skip_special_tokens. */
    boolean isSpecialId(int id) {
        Token t = byId.get(id);
        return t != null && allSpecial.contains(t.content());
    }

    /**
     * The added tokens decoded on their own, outside the model's decoder: the non-special ones
     * and the additional special tokens beyond the vocabulary (transformers 4's
     * {@code legacy_added_tokens} in {@code _decode}).
     */
    boolean decodesAlone(Token t, int vocabSize) {
        return !allSpecial.contains(t.content()) || (additionalSpecial.contains(t.content()) && t.id() >= vocabSize);
    }

    /**
     * The ids of {@code text}: {@code prefix} (GLM's {@code [gMASK] sop}, or nothing), then each
     * added token's id and, for the text between them, what {@code plain} appends.
     */
    int[] encode(String text, List<Integer> prefix, java.util.function.BiConsumer<String, List<Integer>> plain) {
        List<Integer> ids = new ArrayList<>(prefix);
        for (Segment s : split(text)) {
            if (s.token() != null) {
                ids.add(s.token().id());
            } else {
                plain.accept(s.text(), ids);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * transformers 4's {@code PreTrainedTokenizer._decode} around the added tokens: runs of model
     * tokens go through {@code tokensToString}, the added tokens that decode alone
     * ({@link #decodesAlone}) are inserted verbatim, and the parts are joined with spaces (its
     * default {@code spaces_between_special_tokens}).
     *
     * @param vocabSize the model's own vocabulary (ids past it are added or command tokens)
     * @param idToToken the token string of an id the added tokens do not hold
     */
    String decode(int[] ids, boolean skipSpecialTokens, int vocabSize, java.util.function.IntFunction<String> idToToken,
            java.util.function.Function<List<String>, String> tokensToString) {
        List<String> subTexts = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (int id : ids) {
            if (skipSpecialTokens && isSpecialId(id)) {
                continue;
            }
            Token t = byId(id);
            String token = t != null ? t.content() : idToToken.apply(id);
            if (skipSpecialTokens && isSpecial(token)) {
                continue;
            }
            if (t != null && decodesAlone(t, vocabSize)) {
                if (!current.isEmpty()) {
                    String s = tokensToString.apply(current);
                    if (!s.isEmpty()) {
                        subTexts.add(s);
                    }
                    current = new ArrayList<>();
                }
                subTexts.add(token);
            } else {
                current.add(token);
            }
        }
        if (!current.isEmpty()) {
            subTexts.add(tokensToString.apply(current));
        }
        return String.join(" ", subTexts);
    }

    /**
     * Splits the text on the added tokens (leftmost match first, the longest at one position), then
     * applies each matched token's lstrip/rstrip/single_word to its neighbours, as
     * {@code PreTrainedTokenizer.tokenize} does. Empty plain segments are dropped.
     */
    List<Segment> split(String text) {
        List<String> parts = new ArrayList<>();
        List<Token> tokens = new ArrayList<>();
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            Token match = longestAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            if (i > plainStart) {
                parts.add(text.substring(plainStart, i));
                tokens.add(null);
            }
            parts.add(match.content());
            tokens.add(match);
            i += match.content().length();
            plainStart = i;
        }
        if (plainStart < text.length() || parts.isEmpty()) {
            parts.add(text.substring(plainStart));
            tokens.add(null);
        }
        for (int k = 0; k < parts.size(); k++) {
            Token t = tokens.get(k);
            if (t == null) {
                continue;
            }
            boolean hasLeft = k > 0 && !parts.get(k - 1).isEmpty();
            boolean hasRight = k < parts.size() - 1 && !parts.get(k + 1).isEmpty();
            if (t.rstrip() && hasRight) {
                parts.set(k + 1, parts.get(k + 1).stripLeading());
            }
            if (t.lstrip() && hasLeft) {
                parts.set(k - 1, parts.get(k - 1).stripTrailing());
            }
            if (t.singleWord() && hasLeft && !parts.get(k - 1).endsWith(" ")) {
                parts.set(k - 1, parts.get(k - 1) + parts.get(k));
                parts.set(k, "");
            } else if (t.singleWord() && hasRight && !parts.get(k + 1).startsWith(" ")) {
                parts.set(k + 1, parts.get(k) + parts.get(k + 1));
                parts.set(k, "");
            }
        }
        List<Segment> out = new ArrayList<>();
        for (int k = 0; k < parts.size(); k++) {
            String p = parts.get(k);
            if (!p.isEmpty()) {
                out.add(new Segment(p, byContent.get(p)));
            }
        }
        return out;
    }

    private Token longestAt(String text, int i) {
        List<Token> candidates = byFirstChar.get(text.charAt(i));
        if (candidates != null) {
            for (Token t : candidates) {
                if (text.startsWith(t.content(), i)) {
                    return t;
                }
            }
        }
        return null;
    }
}
