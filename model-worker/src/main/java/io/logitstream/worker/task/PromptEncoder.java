package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.TokenSelection;
import io.logitstream.schema.Task;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.tokenizer.ChatMessage;
import io.logitstream.worker.engine.tokenizer.TokenizerException;
import java.util.ArrayList;
import java.util.List;

/** Turns a request's input (text, chat messages or token ids) into the token ids the model sees. */
public final class PromptEncoder {

    private final LoadedModel model;

    public PromptEncoder(LoadedModel model) {
        this.model = model;
    }

    public int[] encode(PromptRequest request) {
        return encode(request, null);
    }

    /**
     * The prompt's ids; with {@code images}, its {@code <image>} placeholders (one per image put in
     * front of the text or of the first user message when it has none) expanded into image tokens.
     */
    public int[] encode(PromptRequest request, RequestImages images) {
        int[] ids;
        if (request.getText() != null) {
            ids = model.encodeText(images == null ? request.getText()
                    : images.expand(images.withPlaceholders(request.getText())));
        } else if (request.getMessages() != null) {
            ids = encodeChat(request, images);
        } else if (images != null) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, "Images need text or messages with <image> placeholders, "
                    + "not input_ids");
        } else if (request.getInputIds() != null) {
            ids = request.getInputIds().stream().mapToInt(Integer::intValue).toArray();
            checkVocabulary(ids);
        } else {
            throw new TaskException(ErrorCodes.INVALID_INPUT, "The request has no input: set text, messages or input_ids");
        }
        if (ids.length == 0) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, "The input tokenizes to no tokens");
        }
        return ids;
    }

    /** Text that continues a prompt (a SCORE continuation, a CHOICE candidate): no special tokens. */
    public int[] encodeContinuation(String text) {
        return model.tokenizer().encode(text, false);
    }

    /**
     * The token ids of a {@code logprobs_of} selection: ids as given (checked against the
     * vocabulary), then each string's single token.
     */
    public int[] encodeSelection(TokenSelection selection) {
        List<Integer> ids = new ArrayList<>();
        if (selection.getTokenIds() != null) {
            ids.addAll(selection.getTokenIds());
            checkVocabulary(selection.getTokenIds().stream().mapToInt(Integer::intValue).toArray());
        }
        if (selection.getTokens() != null) {
            for (String token : selection.getTokens()) {
                int[] encoded = encodeContinuation(token);
                if (encoded.length != 1) {
                    throw new TaskException(ErrorCodes.INVALID_INPUT, "logprobs_of token \"" + token + "\" is "
                            + encoded.length + " tokens for this model's tokenizer " + java.util.Arrays.toString(encoded)
                            + "; name single tokens as a continuation of the prompt encodes them (a leading space belongs to"
                            + " the token in byte-level BPE vocabularies, e.g. \" A\"), or give token_ids");
                }
                ids.add(encoded[0]);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private int[] encodeChat(PromptRequest request, RequestImages images) {
        List<ChatMessage> messages = request.getMessages().stream()
                .map(m -> new ChatMessage(m.getRole(), m.getContent())).toList();
        if (images != null) {
            messages = withImagePlaceholders(messages, images);
        }
        boolean addGenerationPrompt = request.getAddGenerationPrompt() != null
                ? request.getAddGenerationPrompt() : request.getTask() == Task.GENERATE;
        if (model.chatTemplate().isEmpty()) {
            throw new TaskException(ErrorCodes.NO_CHAT_TEMPLATE, "Model '" + model.name()
                    + "' has no chat_template in tokenizer_config.json; send text or input_ids instead of messages");
        }
        try {
            if (images != null) {
                return model.tokenizer().encode(images.expand(model.renderChat(messages, addGenerationPrompt)), false);
            }
            return model.encodeChat(messages, addGenerationPrompt);
        } catch (TokenizerException e) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, "Cannot render the chat template: " + e.getMessage(), e);
        }
    }

    /** The messages, with the image placeholders in front of the first user message when none names one. */
    private static List<ChatMessage> withImagePlaceholders(List<ChatMessage> messages, RequestImages images) {
        boolean named = messages.stream().anyMatch(m -> m.content() != null
                && io.logitstream.worker.engine.internvl.InternVlPrompt.placeholders(m.content()) > 0);
        List<ChatMessage> out = new ArrayList<>(messages);
        for (int i = 0; !named && i < out.size(); i++) {
            if ("user".equals(out.get(i).role())) {
                String content = out.get(i).content() == null ? "" : out.get(i).content();
                out.set(i, new ChatMessage(out.get(i).role(), images.withPlaceholders(content)));
                return out;
            }
        }
        return out;
    }

    private void checkVocabulary(int[] ids) {
        int vocab = model.config().vocabSize();
        for (int id : ids) {
            if (id >= vocab) {
                throw new TaskException(ErrorCodes.INVALID_INPUT, "input_ids contains " + id + ", outside the vocabulary of"
                        + " model '" + model.name() + "' (size " + vocab + ")");
            }
        }
    }
}
