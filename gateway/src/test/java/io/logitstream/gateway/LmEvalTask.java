package io.logitstream.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A small local multiple-choice task for lm-evaluation-harness (a JSON lines file and its task YAML). */
final class LmEvalTask {

    static final String NAME = "logitstream_gateway_mc";
    private static final List<String> DOCS = List.of(
            "{\"context\": \"Question: What color is the sky on a clear day?\\nAnswer:\", \"choices\": [\" blue\", \" green\", \" red\"], \"gold\": 0}",
            "{\"context\": \"Question: How many legs does a spider have?\\nAnswer:\", \"choices\": [\" six\", \" eight\", \" ten\"], \"gold\": 1}",
            "{\"context\": \"Question: Which animal barks?\\nAnswer:\", \"choices\": [\" cat\", \" cow\", \" dog\"], \"gold\": 2}",
            "{\"context\": \"The capital of France is\", \"choices\": [\" Paris\", \" Rome\", \" Berlin\", \" Madrid\"], \"gold\": 0}",
            "{\"context\": \"Water freezes at zero degrees\", \"choices\": [\" Celsius\", \" Fahrenheit\"], \"gold\": 0}",
            "{\"context\": \"Question: What do bees make?\\nAnswer:\", \"choices\": [\" honey\", \" milk\", \" silk\"], \"gold\": 0}",
            "{\"context\": \"Once upon a time, there was a\", \"choices\": [\" princess\", \" spreadsheet\", \" tax return\"], \"gold\": 0}",
            "{\"context\": \"Question: Which is a prime number?\\nAnswer:\", \"choices\": [\" four\", \" nine\", \" seven\"], \"gold\": 2}");
    static final int DOCUMENTS = DOCS.size();

    private LmEvalTask() {
    }

    /** Writes the data and the task into {@code dir}; returns it (lm-eval's include_path). */
    static Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path data = dir.resolve(NAME + ".jsonl");
        Files.write(data, DOCS);
        Files.writeString(dir.resolve(NAME + ".yaml"), String.join("\n",
                "task: " + NAME,
                "dataset_path: json",
                "dataset_kwargs:",
                "  data_files:",
                "    test: " + data,
                "test_split: test",
                "output_type: multiple_choice",
                "doc_to_text: context",
                "doc_to_choice: choices",
                "doc_to_target: gold",
                "target_delimiter: \"\"",
                "metric_list:",
                "  - metric: acc",
                "    aggregation: mean",
                "    higher_is_better: true",
                ""));
        return dir;
    }

    /** Nothing reaches for the Hugging Face hub; caches stay under the task's folder. */
    static Map<String, String> offlineEnvironment(Path dir) {
        return Map.of("HF_HOME", dir.resolve("hf-home").toString(), "HF_HUB_OFFLINE", "1",
                "HF_DATASETS_OFFLINE", "1", "TRANSFORMERS_OFFLINE", "1", "TOKENIZERS_PARALLELISM", "false");
    }
}
