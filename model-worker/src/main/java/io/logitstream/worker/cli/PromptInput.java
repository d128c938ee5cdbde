package io.logitstream.worker.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.schema.ImageInput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.worker.engine.EmbeddingOverride;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.task.PromptEncoder;
import io.logitstream.worker.task.RequestImages;
import io.logitstream.worker.task.TaskException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import io.logitstream.worker.engine.tokenizer.ChatMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The input of a command: exactly one of plain text, chat messages (rendered with the model's
 * chat template), or raw token ids; and images for a vision-language model.
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

    @Option(names = "--image", paramLabel = "FILE",
            description = "An image (PNG, JPEG, BMP, GIF) for a vision-language model (InternVL); repeat for several. "
                    + "The text or messages name where each goes with <image>; without any, one <image>\\n per image "
                    + "is put in front (of the first user message).")
    List<Path> images;

    /** The prompt's token ids and, with --image, the image embeddings that replace its image tokens'. */
    public record Resolved(int[] ids, EmbeddingOverride embeddings) {
    }

    /** Whether --image was given. */
    public boolean hasImages() {
        return images != null && !images.isEmpty();
    }

    /** The chosen input (and the images) as the fields of a request, so the worker's own path encodes them. */
    public PromptRequest.Builder fill(PromptRequest.Builder request, LoadedModel model, boolean addGenerationPrompt) {
        int given = (prompt != null ? 1 : 0) + (messages != null ? 1 : 0) + (inputIds != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("give exactly one of --text, --messages, --input-ids");
        }
        if (!hasImages()) {
            return request.setInputIds(Arrays.stream(resolve(model, addGenerationPrompt)).boxed().toList());
        }
        if (inputIds != null) {
            throw new IllegalArgumentException("--image needs --text or --messages (with <image> placeholders)");
        }
        request.setImages(imageInputs());
        if (prompt != null) {
            return request.setText(prompt);
        }
        return request.setAddGenerationPrompt(addGenerationPrompt).setMessages(parseMessages(messages).stream()
                .map(m -> io.logitstream.schema.ChatMessage.newBuilder().setRole(m.role()).setContent(m.content())
                        .build()).toList());
    }

    /** The token ids and image embeddings for a direct engine call (score). */
    public Resolved resolveWithImages(LoadedModel model, boolean addGenerationPrompt) {
        if (!hasImages()) {
            return new Resolved(resolve(model, addGenerationPrompt), null);
        }
        PromptRequest request = fill(PromptRequest.newBuilder().setRequestId("cli").setModel(model.name())
                .setTask(io.logitstream.schema.Task.SCORE), model, addGenerationPrompt).build();
        try {
            RequestImages images = RequestImages.forModel(request, model);
            int[] ids = new PromptEncoder(model).encode(request, images);
            return new Resolved(ids, images.embeddings(ids));
        } catch (TaskException e) {
            throw new IllegalArgumentException(e.code() + ": " + e.getMessage(), e);
        }
    }

    private List<ImageInput> imageInputs() {
        List<ImageInput> out = new ArrayList<>();
        for (Path p : images) {
            try {
                out.add(ImageInput.newBuilder().setData(ByteBuffer.wrap(Files.readAllBytes(p))).build());
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read --image " + p + ": " + e.getMessage());
            }
        }
        return out;
    }

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
