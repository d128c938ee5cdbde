package io.logitstream.app.chaos;

import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixed, mixed load: SCORE (some with a continuation and top-k alternatives), streamed GENERATE
 * of 16 to 32 new tokens, and a few CHOICE. Every generation is greedy or seeded, so a request
 * retried after a crash produces the same tokens and its re-sent chunks are true duplicates.
 */
final class ChaosLoad {

    private static final List<String> PROMPTS = List.of(
            "The quick brown fox jumps over the lazy dog",
            "Once upon a time, in a land far away,",
            "Kafka transactions make a consumer-process-produce loop exactly once",
            "Crème brûlée and naïve café owners",
            "To be, or not to be, that is the question:",
            "The mitochondria is the powerhouse of the cell",
            "In 1969 the first humans walked on the Moon",
            "def fibonacci(n): return n if n < 2 else");

    private ChaosLoad() {
    }

    /**
     * {@code count} requests for {@code model}; per ten: seven SCORE, two GENERATE, one CHOICE.
     * Generations dominate the cost (one forward per token, in a cold JVM after each restart), so
     * they are a fifth of the load: enough to be in flight at the kills, few enough to keep the
     * test short on two busy cores.
     */
    static List<PromptRequest> requests(String model, int count) {
        List<PromptRequest> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String prompt = PROMPTS.get(i % PROMPTS.size());
            PromptRequest.Builder request = PromptRequest.newBuilder()
                    .setRequestId(String.format("chaos-%03d", i)).setModel(model).setText(prompt);
            int slot = i % 10;
            if (slot < 7) {
                request.setTask(Task.SCORE).setTopLogprobs(slot % 2 == 0 ? 0 : 3);
                if (slot == 3) {
                    request.setContinuation(" and then some");
                }
            } else if (slot < 9) {
                request.setTask(Task.GENERATE).setGeneration(generation(i));
            } else {
                request.setTask(Task.CHOICE).setChoices(List.of(" A", " B", " C", " D")).setGoldIndex(i % 4);
            }
            out.add(request.build());
        }
        return out;
    }

    private static GenerationParams generation(int i) {
        GenerationParams.Builder params = GenerationParams.newBuilder()
                .setMaxNewTokens(16 + i % 17)
                .setStream(true);
        if (i % 2 == 0) {
            params.setDoSample(false); // greedy
        } else {
            params.setDoSample(true).setTemperature(0.8f).setTopK(40).setSeed(1_000L + i);
        }
        return params.build();
    }
}
