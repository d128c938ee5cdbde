package io.logitstream.gateway.openai;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Token strings for one answer. The gateway has no tokenizer: a token's string is the one the
 * worker put in the result ({@code tokens}) or in a token chunk; an id whose string the answer
 * does not hold is spelled {@code token_id:<id>}, as vLLM spells tokens under
 * {@code --return-tokens-as-token-ids}. An alternative gets the string of the same id elsewhere
 * in the answer, if any.
 */
final class TokenLabels {

    private final Map<Integer, String> known = new HashMap<>();

    static String idLabel(int id) {
        return "token_id:" + id;
    }

    /** The string of token {@code i} of {@code ids}: {@code strings.get(i)} when given. */
    String label(List<Integer> ids, List<String> strings, int i) {
        int id = ids.get(i);
        if (strings != null && i < strings.size() && strings.get(i) != null) {
            known.putIfAbsent(id, strings.get(i));
            return strings.get(i);
        }
        return idLabel(id);
    }

    /** Records a string a token chunk carried for a token. */
    void learn(int id, String token) {
        known.putIfAbsent(id, token);
    }

    /** The string of an alternative's id. */
    String of(int id) {
        return known.getOrDefault(id, idLabel(id));
    }
}
