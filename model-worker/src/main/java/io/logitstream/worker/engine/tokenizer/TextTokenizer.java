package io.logitstream.worker.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Text to token ids and back, exactly as transformers does for the same folder.
 *
 * <p>Two backends, chosen by the files in the folder, in transformers' AutoTokenizer order:
 * {@code tokenizer.json} (the fast tokenizer: DJL's binding of the Rust {@code tokenizers} library,
 * see {@link HuggingFaceBackend}) wins; without it a SentencePiece {@code tokenizer.model} is
 * tokenized like transformers' slow {@code LlamaTokenizer} ({@link SentencePieceBackend}), or, with
 * {@code tokenizer_class: ChatGLMTokenizer}, like ChatGLM3's remote-code tokenizer
 * ({@link ChatGlmSentencePieceBackend}); a {@code tokenizer.model} that is a tiktoken rank file (or
 * {@code tokenizer_class: ChatGLM4Tokenizer}) like GLM-4's ({@link ChatGlm4TiktokenBackend}); with the
 * added tokens of {@code tokenizer_config.json}, {@code added_tokens.json} and
 * {@code special_tokens_map.json}. Neither file: the tokenizer is {@linkplain #isAvailable()
 * unavailable}. Nothing is ever fetched from the hub.
 */
public final class TextTokenizer implements AutoCloseable {
    public static final String FILE = "tokenizer.json";
    public static final String SENTENCEPIECE_FILE = SentencePieceBackend.FILE;
    public static final String CONFIG_FILE = "tokenizer_config.json";

    private final TokenizerBackend backend;
    private final JsonNode config;
    private final SpecialTokens specialTokens;
    private final Integer bosId;
    private final Integer eosId;
    private final Integer padId;
    private final boolean cleanUpSpaces;
    /** Where a tokenizer was expected, for the error of a checkpoint that has none. */
    private final Path missingFrom;

    private TextTokenizer(TokenizerBackend backend, JsonNode config, Path missingFrom) {
        this.backend = backend;
        this.config = config;
        this.missingFrom = missingFrom;
        this.specialTokens = backend == null ? SpecialTokens.from(config) : backend.specialTokens();
        this.bosId = backend == null ? null : backend.tokenToId(specialTokens.bos());
        this.eosId = backend == null ? null : backend.tokenToId(specialTokens.eos());
        this.padId = backend == null ? null : backend.tokenToId(specialTokens.pad());
        this.cleanUpSpaces = config.path("clean_up_tokenization_spaces").asBoolean(false);
    }

    /** Loads {@code tokenizer.json} or {@code tokenizer.model} (one is required) and {@code tokenizer_config.json}. */
    public static TextTokenizer load(Path dir) {
        TextTokenizer t = loadIfPresent(dir);
        if (!t.isAvailable()) {
            throw new TokenizerException(missingMessage(dir));
        }
        return t;
    }

    /**
     * Like {@link #load}, but a folder with neither tokenizer file gives a tokenizer that is
     * {@linkplain #isAvailable() unavailable}: the model can still run on token ids (forward,
     * scoring, generation of ids), and only turning text into ids or ids into text fails, with
     * a message that says so.
     */
    public static TextTokenizer loadIfPresent(Path dir) {
        JsonNode config = readConfig(dir);
        Path json = dir.resolve(FILE);
        if (Files.isRegularFile(json)) {
            return new TextTokenizer(HuggingFaceBackend.load(json, config), config, null);
        }
        if (Files.isRegularFile(dir.resolve(SENTENCEPIECE_FILE)) && ChatGlm4TiktokenBackend.appliesTo(dir, config)) {
            return new TextTokenizer(ChatGlm4TiktokenBackend.load(dir, config), config, null);
        }
        if (Files.isRegularFile(dir.resolve(SENTENCEPIECE_FILE)) && ChatGlmSentencePieceBackend.appliesTo(config)) {
            return new TextTokenizer(ChatGlmSentencePieceBackend.load(dir, config), config, null);
        }
        if (Files.isRegularFile(dir.resolve(SENTENCEPIECE_FILE))) {
            return new TextTokenizer(SentencePieceBackend.load(dir, config), config, null);
        }
        return new TextTokenizer(null, config, dir);
    }

    private static String missingMessage(Path dir) {
        return "no " + FILE + " in " + dir + " (nor a SentencePiece " + SENTENCEPIECE_FILE + "): this checkpoint"
                + " has no tokenizer, so text cannot be encoded or decoded; send token ids (input_ids) instead, or"
                + " add the model's tokenizer files";
    }

    private static JsonNode readConfig(Path dir) {
        JsonNode config = JsonNodeFactory.instance.objectNode();
        Path configFile = dir.resolve(CONFIG_FILE);
        if (Files.isRegularFile(configFile)) {
            try {
                config = new ObjectMapper().readTree(configFile.toFile());
            } catch (IOException e) {
                throw new TokenizerException("cannot parse " + configFile + ": " + e.getMessage(), e);
            }
        }
        return config;
    }

    /** Like transformers' {@code tokenizer(text)}: with the model's special tokens (BOS etc.). */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Encodes text. With {@code addSpecialTokens=false} (what chat templates need, since the
     * rendered text already holds them) only the text's own tokens come back.
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        return require().encode(text, addSpecialTokens);
    }

    /** Like transformers' {@code decode(ids, skip_special_tokens=...)}. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        String text = require().decode(ids, skipSpecialTokens);
        return cleanUpSpaces ? cleanUpTokenization(text) : text;
    }

    /** The text of one token on its own (a partial UTF-8 character decodes to U+FFFD). */
    public String tokenText(int id) {
        return require().decode(new int[] {id}, false);
    }

    /**
     * Decoding without the {@code clean_up_tokenization_spaces} rewrite, for streaming: the
     * rewrite looks across token boundaries, so it cannot be applied to deltas.
     */
    public String decodeRaw(int[] ids, boolean skipSpecialTokens) {
        return require().decode(ids, skipSpecialTokens);
    }

    /** The id of one token string (a special or added token, or a vocabulary entry), or null. */
    public Integer tokenToId(String token) {
        return require().tokenToId(token);
    }

    /**
     * The id of a command token that the tokenizer class defines outside its files (ChatGLM's
     * {@code [gMASK]}, {@code sop}, {@code <|user|>}...), or null when it defines none.
     */
    public Integer commandTokenId(String token) {
        return require().commandId(token);
    }

    /**
     * The model tokenizer's ids for the text without the split on added tokens and without special
     * tokens: ChatGLM's {@code SPTokenizer.encode}, which {@code build_chat_input} uses per message.
     * Other tokenizers: {@code encode(text, false)}.
     */
    public int[] encodeWithoutAddedTokens(String text) {
        return require().encodeWithoutAddedTokens(text);
    }

    /** False for a checkpoint without a tokenizer file (see {@link #loadIfPresent}). */
    public boolean isAvailable() {
        return backend != null;
    }

    private TokenizerBackend require() {
        if (backend == null) {
            throw new TokenizerException(missingMessage(missingFrom));
        }
        return backend;
    }

    /** transformers' {@code clean_up_tokenization}: removes spaces before punctuation and contractions. */
    static String cleanUpTokenization(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    public Integer bosTokenId() {
        return bosId;
    }

    public Integer eosTokenId() {
        return eosId;
    }

    public Integer padTokenId() {
        return padId;
    }

    /** The raw {@code tokenizer_config.json} (an empty object when the file is absent). */
    public JsonNode config() {
        return config;
    }

    @Override
    public void close() {
        if (backend != null) {
            backend.close();
        }
    }
}
