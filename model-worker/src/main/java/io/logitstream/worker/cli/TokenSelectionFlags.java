package io.logitstream.worker.cli;

import io.logitstream.schema.TokenSelection;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The request's {@code logprobs_of}: tokens whose log-probabilities are returned at every
 * position whatever their rank (the probability of answer letters). Shared by {@code generate} and
 * {@code send}; unset flags leave the field unset.
 */
public final class TokenSelectionFlags {

    @Option(names = "--logprobs-of-tokens", paramLabel = "TOKEN", split = ",",
            description = "Strings the tokenizer encodes as one token each, comma-separated (repeatable),"
                    + " e.g. 'A,B,C,D' or ' A, B'.")
    List<String> tokens;

    @Option(names = "--logprobs-of-ids", paramLabel = "ID", split = ",",
            description = "Token ids, comma-separated (repeatable), e.g. 32,33,34.")
    List<Integer> ids;

    /** The selection, or null when neither flag was given. */
    public TokenSelection toSelection() {
        if (tokens == null && ids == null) {
            return null;
        }
        return TokenSelection.newBuilder()
                .setTokens(tokens == null ? null : List.copyOf(tokens))
                .setTokenIds(ids == null ? null : List.copyOf(ids))
                .build();
    }
}
