package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.TopLogprobs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a SCORE or GENERATE request wants to see at each position besides its own tokens'
 * log-probabilities: the top-k alternatives (up to the whole vocabulary) and the log-probabilities
 * of selected tokens ({@code logprobs_of}), checked against the vocabulary and against what fits in
 * one result message.
 */
final class LogprobRequest {
    /** Avro bytes of one (id, logprob) entry at most: a zig-zag varint id and a float. */
    static final int BYTES_PER_ENTRY = 9;

    private final int topK;
    private final int[] selectedIds;

    private LogprobRequest(int topK, int[] selectedIds) {
        this.topK = topK;
        this.selectedIds = selectedIds;
    }

    static LogprobRequest of(PromptRequest request, PromptEncoder encoder, int vocabSize) {
        int topK = request.getTopLogprobs() == null ? 0 : request.getTopLogprobs();
        if (topK < 0 || topK > vocabSize) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, "top_logprobs must be between 0 and the vocabulary"
                    + " size " + vocabSize + ", got " + topK);
        }
        int[] selected = request.getLogprobsOf() == null ? new int[0] : encoder.encodeSelection(request.getLogprobsOf());
        return new LogprobRequest(topK, selected);
    }

    int topK() {
        return topK;
    }

    int[] selectedIds() {
        return selectedIds.clone();
    }

    boolean wantsSelected() {
        return selectedIds.length > 0;
    }

    /**
     * @param positions the most positions the result can report
     * @param maxResultBytes what one result may take
     */
    void checkFits(int positions, long maxResultBytes) {
        int perPosition = topK + selectedIds.length;
        long bytes = (long) positions * perPosition * BYTES_PER_ENTRY;
        if (perPosition > 0 && bytes > maxResultBytes) {
            long fit = maxResultBytes / ((long) positions * BYTES_PER_ENTRY);
            throw new TaskException(ErrorCodes.RESULT_TOO_LARGE, "top_logprobs " + topK + " plus " + selectedIds.length
                    + " selected tokens at " + positions + " positions take up to " + bytes + " bytes, more than the "
                    + maxResultBytes + " one result may take; ask for at most " + fit + " per position, fewer"
                    + " positions, or raise the worker's max.request.size (and max.message.bytes of the results topic)");
        }
    }

    void record(Map<String, String> parameters) {
        parameters.put("top_logprobs", Integer.toString(topK));
        if (selectedIds.length > 0) {
            parameters.put("logprobs_of", java.util.Arrays.toString(selectedIds));
        }
    }

    /** The selected tokens' log-probabilities per position as the contract carries them. */
    List<TopLogprobs> selectedOutput(float[][] rows) {
        List<TopLogprobs> out = new ArrayList<>(rows.length);
        for (float[] row : rows) {
            out.add(AvroLists.top(selectedIds, row));
        }
        return out;
    }
}
