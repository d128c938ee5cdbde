package io.logitstream.bench.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;

/**
 * Synthetic English-looking text of a given token length: random words from a fixed list, counted
 * with the checkpoint's real tokenizer, so an evaluation-shaped workload has the token counts of
 * the real benchmark without shipping its data. Deterministic for a given random generator.
 */
final class SyntheticText {
    /** Common words; most are one token with their leading space in the GPT-2 and Qwen2 vocabularies. */
    static final List<String> WORDS = List.of(("the of and to in is was for on that with as by at from his her"
            + " they which this be are have had not but were all when there can an one their more will would"
            + " about into time only other new some could these two may first then do any like my now over such"
            + " our man me even most made after also did many before must through back years where much your way"
            + " well down should because each just those people how too little state good very make world still"
            + " own see men work long here get both between life being under never day same another know while"
            + " last might us great old year off come since against go came right used take three water house"
            + " small found part place case number group large point government system public city early table"
            + " light river stone market garden window paper music color field board horse school story money"
            + " morning letter island doctor engine forest village winter summer question answer theory energy"
            + " method result value model heart reason period history science nature power order law"
            + " court farmer teacher student bridge train ship road mountain ocean kitchen").split(" "));

    private final ToIntFunction<String> tokenCount;
    private final Map<String, Integer> wordTokens = new HashMap<>();

    /** @param tokenCount tokens of a text under the checkpoint's tokenizer (no special tokens) */
    SyntheticText(ToIntFunction<String> tokenCount) {
        this.tokenCount = tokenCount;
    }

    int tokens(String text) {
        return tokenCount.applyAsInt(text);
    }

    /**
     * Words, each with its leading space, until the phrase has at least {@code targetTokens} tokens
     * (byte-level BPE splits text before a space followed by a letter, so a phrase's tokens are the sum of
     * its words' tokens; the caller measures the final text anyway).
     */
    String phrase(SplittableRandom rnd, int targetTokens) {
        StringBuilder b = new StringBuilder();
        int tokens = 0;
        while (tokens < targetTokens) {
            String word = " " + WORDS.get(rnd.nextInt(WORDS.size()));
            tokens += wordTokens.computeIfAbsent(word, tokenCount::applyAsInt);
            b.append(word);
        }
        return b.toString();
    }

    /** A phrase with its first word capitalized and without its leading space ("Market river ..."). */
    String capitalized(SplittableRandom rnd, int targetTokens) {
        String p = phrase(rnd, targetTokens).substring(1);
        return Character.toUpperCase(p.charAt(0)) + p.substring(1);
    }
}
