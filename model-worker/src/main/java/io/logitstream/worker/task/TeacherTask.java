package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.TeacherOutput;
import io.logitstream.schema.TeacherParams;
import io.logitstream.worker.engine.scoring.TeacherLogits;
import io.logitstream.worker.engine.scoring.TeacherWork;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * TEACHER: the model's logits at every input position, for distillation: the top-k per position
 * (default 20), or the full vocabulary as float16 when it fits in one Kafka message.
 */
public final class TeacherTask implements ModelTask {

    static final int DEFAULT_TOP_K = 20;

    private final int vocabSize;
    private final long maxFullLogitsBytes;

    /** @param maxFullLogitsBytes largest full-vocabulary payload allowed (keep under the topic's max message size) */
    public TeacherTask(int vocabSize, long maxFullLogitsBytes) {
        this.vocabSize = vocabSize;
        this.maxFullLogitsBytes = maxFullLogitsBytes;
    }

    @Override
    public TaskWork plan(PromptRequest request, int[] inputIds, Map<String, String> parameters, TokenSink tokens) {
        TeacherParams p = request.getTeacher() != null ? request.getTeacher() : new TeacherParams();
        if (p.getFullVocab()) {
            long bytes = 2L * inputIds.length * vocabSize;
            if (bytes > maxFullLogitsBytes) {
                throw new TaskException(ErrorCodes.UNSUPPORTED, "Full-vocabulary logits for " + inputIds.length
                        + " positions x " + vocabSize + " tokens are " + bytes + " bytes, over the limit of "
                        + maxFullLogitsBytes + " for one result; ask for teacher.top_k instead or send shorter inputs");
            }
            parameters.put("full_vocab", "true");
            TeacherWork work = new TeacherWork(inputIds, 0, true);
            return new TaskWork(work, result -> result.setTeacher(TeacherOutput.newBuilder().setVocabSize(vocabSize)
                    .setFullLogitsF16(ByteBuffer.wrap(work.fullFloat16())).build()));
        }
        int k = p.getTopK() != null ? p.getTopK() : DEFAULT_TOP_K;
        parameters.put("teacher_top_k", Integer.toString(k));
        TeacherWork work = new TeacherWork(inputIds, k, false);
        return new TaskWork(work, result -> {
            TeacherLogits.Top top = work.top();
            List<List<Integer>> ids = new ArrayList<>(inputIds.length);
            List<List<Float>> logits = new ArrayList<>(inputIds.length);
            for (int t = 0; t < inputIds.length; t++) {
                ids.add(AvroLists.ints(top.ids()[t]));
                logits.add(AvroLists.floats(top.logits()[t]));
            }
            result.setTeacher(TeacherOutput.newBuilder().setVocabSize(vocabSize).setTopIds(ids).setTopLogits(logits)
                    .build());
        });
    }
}
