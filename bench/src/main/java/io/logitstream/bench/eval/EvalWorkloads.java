package io.logitstream.bench.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The evaluation-shaped workloads of {@code bench eval}, as text (tokenized by each side as it
 * would tokenize a real task), from a fixed seed: the same items for every side.
 *
 * <ul>
 *   <li>MMLU-shaped: one subject's shared 5-shot prefix (5 solved "Question: ...\nA. ...\nB. ...\nC. ...\nD.
 *       ...\nAnswer: X\n\n" examples, about {@code prefixTokens} tokens with the header) followed by the item's
 *       question (about 40-60 tokens) ending in "Answer:"; candidates " A", " B", " C", " D".</li>
 *   <li>HellaSwag-shaped: an activity label and sentences of about {@code contextTokens} tokens, ending
 *       mid-sentence; 4 endings of 15-30 tokens each, with their leading space.</li>
 * </ul>
 */
public final class EvalWorkloads {
    static final List<String> LETTERS = List.of("A", "B", "C", "D");
    static final int SHOTS = 5;
    static final String QUESTION_FORMAT = "Question:?\nA.\nB.\nC.\nD.\nAnswer: A\n\n";

    private final SyntheticText text;

    EvalWorkloads(SyntheticText text) {
        this.text = text;
    }

    /** Workloads counted with the checkpoint's tokenizer ({@code tokenCount}: tokens of a text, no special tokens). */
    public static EvalWorkloads withTokenizer(java.util.function.ToIntFunction<String> tokenCount) {
        return new EvalWorkloads(new SyntheticText(tokenCount));
    }

    /** {@code items} questions of one subject sharing a 5-shot prefix of about {@code prefixTokens} tokens. */
    public EvalWorkload mmlu(long seed, int items, int prefixTokens) {
        SplittableRandom rnd = new SplittableRandom(seed);
        String subject = text.phrase(rnd, 2).trim();
        String header = "The following are multiple choice questions (with answers) about " + subject + ".\n\n";
        int perShot = Math.max(12, (prefixTokens - text.tokens(header)) / SHOTS);
        int format = text.tokens(QUESTION_FORMAT);
        StringBuilder prefix = new StringBuilder(header);
        for (int s = 0; s < SHOTS; s++) {
            String[] options = options(rnd, 3, 6);
            int optionTokens = 0;
            for (String o : options) {
                optionTokens += text.tokens(o);
            }
            prefix.append(question(text.phrase(rnd, Math.max(4, perShot - format - optionTokens)), options))
                    .append(' ').append(LETTERS.get(rnd.nextInt(LETTERS.size()))).append("\n\n");
        }
        List<EvalItem> out = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            String q = question(text.phrase(rnd, rnd.nextInt(12, 24)), options(rnd, 3, 4));
            out.add(new EvalItem(prefix + q, candidates(), rnd.nextInt(LETTERS.size())));
        }
        return measured("mmlu", "MMLU-shaped: " + SHOTS + "-shot prefix shared by every question, 4 single-token"
                + " answers", "bench-eval-mmlu-" + subject.replace(' ', '-') + "-" + seed, out);
    }

    /** {@code items} contexts of about {@code contextTokens} tokens, each with 4 endings of 15-30 tokens. */
    public EvalWorkload hellaswag(long seed, int items, int contextTokens) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<EvalItem> out = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            StringBuilder ctx = new StringBuilder(text.capitalized(rnd, 2)).append(':');
            int tokens = text.tokens(ctx.toString());
            while (tokens < contextTokens - 16) {
                ctx.append(' ').append(text.capitalized(rnd, rnd.nextInt(8, 15))).append('.');
                tokens = text.tokens(ctx.toString());
            }
            ctx.append(text.phrase(rnd, Math.max(1, contextTokens - tokens))); // ends mid-sentence, as HellaSwag's do
            List<String> endings = new ArrayList<>();
            for (int e = 0; e < 4; e++) {
                endings.add(text.phrase(rnd, rnd.nextInt(14, 30)) + ".");
            }
            out.add(new EvalItem(ctx.toString(), endings, rnd.nextInt(endings.size())));
        }
        return measured("hellaswag", "HellaSwag-shaped: a context and 4 multi-token endings", null, out);
    }

    private String[] options(SplittableRandom rnd, int minTokens, int maxTokens) {
        String[] o = new String[LETTERS.size()];
        for (int i = 0; i < o.length; i++) {
            o[i] = text.phrase(rnd, rnd.nextInt(minTokens, maxTokens + 1));
        }
        return o;
    }

    /** "Question: ...?\nA. ...\nB. ...\nC. ...\nD. ...\nAnswer:" (the phrases carry their leading space). */
    private static String question(String question, String[] options) {
        StringBuilder b = new StringBuilder("Question:").append(question).append('?');
        for (int i = 0; i < options.length; i++) {
            b.append('\n').append(LETTERS.get(i)).append('.').append(options[i]);
        }
        return b.append("\nAnswer:").toString();
    }

    private static List<String> candidates() {
        return LETTERS.stream().map(l -> " " + l).toList();
    }

    private EvalWorkload measured(String name, String shape, String prefixKey, List<EvalItem> items) {
        int[] ctx = new int[items.size()];
        int[][] cand = new int[items.size()][];
        for (int i = 0; i < items.size(); i++) {
            EvalItem item = items.get(i);
            ctx[i] = text.tokens(item.context());
            cand[i] = item.choices().stream().mapToInt(text::tokens).toArray();
        }
        return new EvalWorkload(name, shape, prefixKey, List.copyOf(items), ctx, cand);
    }
}
