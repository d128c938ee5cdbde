package io.logitstream.worker.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.tokenizer.ChatMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The input of a command: exactly one of plain text, chat messages (rendered with the model's
 * chat template), or raw token ids.
 */
public final class PromptInput {

    @Option(names = {"--text", "--prompt"}, paramLabel = "TEXT",
            description = "Plain text (tokenized with the model's special tokens); --prompt is the old spelling.")
    String prompt;

    @Option(names = "--messages", paramLabel = "JSON",
            description = "Chat messages, e.g. '[{\"role\":\"user\",\"content\":\"Hi\"}]', rendered with the chat template.")
    String messages;

    @Option(names = "--input-ids", paramLabel = "IDS", split = ",", description = "Token ids, e.g. 15496,995.")
    int[] inputIds;

    /** The token ids for the chosen input. */
    public int[] resolve(LoadedModel model, boolean addGenerationPrompt) {
        int given = (prompt != null ? 1 : 0) + (messages != null ? 1 : 0) + (inputIds != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("give exactly one of --text, --messages, --input-ids");
        }
        if (prompt != null) {
            return model.encodeText(prompt);
        }
        if (inputIds != null) {
            return inputIds.clone();
        }
        return model.encodeChat(parseMessages(messages), addGenerationPrompt);
    }

    static List<ChatMessage> parseMessages(String json) {
        List<Map<String, String>> raw;
        try {
            raw = new ObjectMapper().readValue(json, new TypeReference<List<Map<String, String>>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("--messages is not a JSON list of {role, content} objects: "
                    + e.getMessage());
        }
        List<ChatMessage> out = new ArrayList<>();
        for (Map<String, String> m : raw) {
            if (m.get("role") == null || m.get("content") == null) {
                throw new IllegalArgumentException("each message needs a role and a content: " + m);
            }
            out.add(new ChatMessage(m.get("role"), m.get("content")));
        }
        return out;
    }
}
