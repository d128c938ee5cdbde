package io.logitstream.gateway.openai;

import io.logitstream.schema.GenerationOutput;
import io.logitstream.schema.ScoreOutput;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.TopLogprobs;
import java.util.ArrayList;
import java.util.List;

/** The positions of a SCORE result (every prompt token) or a GENERATE result (every new token). */
final class LogprobPositions {

    private LogprobPositions() {
    }

    /** The prompt's tokens; the first has a null logprob. Needs a SCORE of the whole input (scored_from 1). */
    static List<TokenPosition> ofPrompt(ScoringResult score, TokenLabels labels) {
        ScoreOutput s = score.getScore();
        List<Integer> ids = score.getInputIds();
        List<TokenPosition> out = new ArrayList<>(ids.size());
        for (int t = 0; t < ids.size(); t++) {
            TopLogprobs top = s.getTopLogprobs() == null ? null : s.getTopLogprobs().get(t);
            out.add(new TokenPosition(ids.get(t), labels.label(ids, s.getTokens(), t), s.getTokenLogprobs().get(t),
                    alternatives(top)));
        }
        return out;
    }

    /** The generated tokens (none for beam search, which reports no per-token logprobs). */
    static List<TokenPosition> ofGeneration(ScoringResult result, TokenLabels labels) {
        GenerationOutput g = result.getGeneration();
        List<Integer> ids = g.getNewIds();
        List<TokenPosition> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size() && i < g.getTokenLogprobs().size(); i++) {
            TopLogprobs top = g.getTopLogprobs() == null ? null : g.getTopLogprobs().get(i);
            out.add(new TokenPosition(ids.get(i), labels.label(ids, g.getTokens(), i), g.getTokenLogprobs().get(i),
                    alternatives(top)));
        }
        return out;
    }

    static List<TokenPosition.Alternative> alternatives(TopLogprobs top) {
        if (top == null) {
            return List.of();
        }
        List<TokenPosition.Alternative> out = new ArrayList<>(top.getIds().size());
        for (int k = 0; k < top.getIds().size(); k++) {
            out.add(new TokenPosition.Alternative(top.getIds().get(k), top.getLogprobs().get(k)));
        }
        return out;
    }
}
