package io.logitstream.worker.engine;

import ai.djl.Device;
import io.logitstream.worker.engine.classification.ClassificationHead;
import io.logitstream.worker.engine.classification.SequenceClassifier;
import io.logitstream.worker.engine.config.GenerationDefaults;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.tokenizer.ChatMessage;
import io.logitstream.worker.engine.tokenizer.ChatIdsEncoder;
import io.logitstream.worker.engine.tokenizer.ChatTemplate;
import io.logitstream.worker.engine.tokenizer.TextTokenizer;
import io.logitstream.worker.engine.tokenizer.TokenizerException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything needed to serve one checkpoint: the model, its tokenizer and chat template, the
 * generation defaults, and the provenance (name, fingerprint, device). Closing it frees the
 * weights and the tokenizer.
 */
public final class LoadedModel implements AutoCloseable {
    private final String name;
    private final Path dir;
    private final CausalLanguageModel model;
    private final TextTokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    /** Builds chat ids directly where the model's own code does (ChatGLM3); null: render, then encode. */
    private final ChatIdsEncoder chatIds;
    private final GenerationDefaults generationDefaults;
    private final ModelFingerprint fingerprint;
    private final Device device;
    /** How it computes: the compute type, and "int8 weights" when the linear layers hold int8. */
    private final String numerics;
    private final long loadMillis;

    LoadedModel(String name, Path dir, CausalLanguageModel model, TextTokenizer tokenizer, ChatTemplate chatTemplate,
            ChatIdsEncoder chatIds, GenerationDefaults generationDefaults, ModelFingerprint fingerprint, Device device,
            String numerics, long loadMillis) {
        this.name = name;
        this.dir = dir;
        this.model = model;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
        this.chatIds = chatIds;
        this.generationDefaults = generationDefaults;
        this.fingerprint = fingerprint;
        this.device = device;
        this.numerics = numerics;
        this.loadMillis = loadMillis;
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    public CausalLanguageModel model() {
        return model;
    }

    /** The score head of a {@code *ForSequenceClassification} checkpoint; empty for a causal LM. */
    public Optional<ClassificationHead> classificationHead() {
        return model instanceof SequenceClassifier classifier ? Optional.of(classifier.head()) : Optional.empty();
    }

    public ModelConfig config() {
        return model.config();
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    public GenerationDefaults generationDefaults() {
        return generationDefaults;
    }

    public ModelFingerprint fingerprint() {
        return fingerprint;
    }

    public Device device() {
        return device;
    }

    /**
     * The device and how the model computes on it (e.g. {@code cpu() float32, int8 weights}): the
     * results' provenance, so that a replay on other numerics than the original run is told apart
     * even though the folder, and so the fingerprint, is the same.
     */
    public String deviceDescription() {
        return device + " " + numerics;
    }

    /** Wall time of {@link ModelLoader#load}, engine start excluded. */
    public long loadMillis() {
        return loadMillis;
    }

    /** {@code tokenizer(text)}: the model's ids for plain text, with its special tokens (BOS...). */
    public int[] encodeText(String text) {
        return tokenizer.encode(text);
    }

    /**
     * {@code apply_chat_template(messages, add_generation_prompt, tokenize=True)}.
     *
     * @throws TokenizerException when the model has no chat template
     */
    public int[] encodeChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (chatIds != null) {
            return chatIds.encode(messages, addGenerationPrompt);
        }
        return tokenizer.encode(renderChat(messages, addGenerationPrompt), false);
    }

    /**
     * The chat template's text for these messages (for ChatGLM3's built-in format a view of the
     * prompt: its ids are built per message, see {@link ChatIdsEncoder}).
     */
    public String renderChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (chatTemplate == null) {
            throw new TokenizerException("model '" + name + "' has no chat_template in tokenizer_config.json;"
                    + " send plain text or token ids instead of messages");
        }
        return chatTemplate.render(messages, addGenerationPrompt);
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }
}
