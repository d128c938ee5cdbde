package io.logitstream.bench.eval;

import java.util.List;

/**
 * One evaluation item, the same for every side: a context, its candidate continuations (each with
 * its leading space, the context without trailing whitespace, so that encoding the two apart, as
 * our CHOICE task does, gives lm-eval's split of the encoded pair) and the index of the right one.
 */
public record EvalItem(String context, List<String> choices, int gold) {
    public EvalItem {
        choices = List.copyOf(choices);
        if (!context.equals(context.stripTrailing())) {
            throw new IllegalArgumentException("a context must not end with whitespace (lm-eval moves it to the"
                    + " candidate): \"" + context.substring(Math.max(0, context.length() - 20)) + "\"");
        }
        if (gold < 0 || gold >= choices.size()) {
            throw new IllegalArgumentException("gold index " + gold + " outside the " + choices.size() + " choices");
        }
    }
}
