package io.logitstream.worker.engine.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Text to token ids and back, exactly as transformers' fast tokenizer does for the same folder.
 *
 * <p>Built on DJL's binding of the Rust {@code tokenizers} library, loaded from the folder's
 * {@code tokenizer.json} (never from the hub). DJL's own defaults (truncation to 512, padding to
 * the longest) are switched off: the engine wants the exact ids, whatever the length.
 * {@code tokenizer.json}'s post-processor decides which special tokens {@link #encode(String)}
 * adds; an explicit {@code add_bos_token}/{@code add_eos_token} in {@code tokenizer_config.json}
 * overrides it, as transformers does for Llama-style tokenizers.
 */
public final class TextTokenizer implements AutoCloseable {
    public static final String FILE = "tokenizer.json";
    public static final String CONFIG_FILE = "tokenizer_config.json";

    private final HuggingFaceTokenizer tokenizer;
    private final JsonNode config;
    private final SpecialTokens specialTokens;
    private final Integer bosId;
    private final Integer eosId;
    private final Integer padId;
    private final Boolean addBos;
    private final Boolean addEos;
    private final boolean cleanUpSpaces;
    /** Where tokenizer.json was expected, for the error of a checkpoint that has none. */
    private final Path missingFrom;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, JsonNode config, Path missingFrom) {
        this.tokenizer = tokenizer;
        this.config = config;
        this.missingFrom = missingFrom;
        this.specialTokens = SpecialTokens.from(config);
        this.bosId = tokenizer == null ? null : singleId(specialTokens.bos());
        this.eosId = tokenizer == null ? null : singleId(specialTokens.eos());
        this.padId = tokenizer == null ? null : singleId(specialTokens.pad());
        this.addBos = config.hasNonNull("add_bos_token") ? config.get("add_bos_token").asBoolean() : null;
        this.addEos = config.hasNonNull("add_eos_token") ? config.get("add_eos_token").asBoolean() : null;
        this.cleanUpSpaces = config.path("clean_up_tokenization_spaces").asBoolean(false);
    }

    /** Loads {@code tokenizer.json} (required) and {@code tokenizer_config.json} (optional). */
    public static TextTokenizer load(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new TokenizerException(missingMessage(dir));
        }
        return loadFile(dir, file);
    }

    /**
     * Like {@link #load}, but a folder without {@code tokenizer.json} gives a tokenizer that is
     * {@linkplain #isAvailable() unavailable}: the model can still run on token ids (forward,
     * scoring, generation of ids), and only turning text into ids or ids into text fails, with
     * a message that says so.
     */
    public static TextTokenizer loadIfPresent(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return new TextTokenizer(null, readConfig(dir), dir);
        }
        return loadFile(dir, file);
    }

    private static String missingMessage(Path dir) {
        return "no " + FILE + " in " + dir + ": this checkpoint has no tokenizer, so text cannot be encoded or"
                + " decoded; send token ids (input_ids) instead, or add a fast tokenizer (tokenizer.json;"
                + " convert a slow one with transformers)";
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

    private static TextTokenizer loadFile(Path dir, Path file) {
        JsonNode config = readConfig(dir);
        // addSpecialTokens=true: encode() applies the post-processor; the per-call flag decides.
        Map<String, String> options = Map.of(
                "addSpecialTokens", "true",
                "truncation", "false",
                "padding", "false");
        try (InputStream in = Files.newInputStream(file)) {
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(in, options), config, null);
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException("cannot load " + file + ": " + e.getMessage(), e);
        }
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
        Encoding enc = require().encode(text, addSpecialTokens, false);
        long[] ids = enc.getIds();
        if (!addSpecialTokens || (addBos == null && addEos == null)) {
            return toInts(ids, 0, ids.length);
        }
        // The post-processor's own tokens have no sequence id; text tokens have sequence 0.
        long[] seq = enc.getSequenceIds();
        int start = 0;
        int end = ids.length;
        boolean hasBos = bosId != null && ids.length > 0 && ids[0] == bosId && seq[0] < 0;
        boolean hasEos = eosId != null && ids.length > 0 && ids[ids.length - 1] == eosId && seq[ids.length - 1] < 0;
        if (Boolean.FALSE.equals(addBos) && hasBos) {
            start = 1;
        }
        if (Boolean.FALSE.equals(addEos) && hasEos && end > start) {
            end--;
        }
        boolean prependBos = Boolean.TRUE.equals(addBos) && !hasBos && bosId != null;
        boolean appendEos = Boolean.TRUE.equals(addEos) && !hasEos && eosId != null;
        int n = end - start + (prependBos ? 1 : 0) + (appendEos ? 1 : 0);
        int[] out = new int[n];
        int k = 0;
        if (prependBos) {
            out[k++] = bosId;
        }
        for (int i = start; i < end; i++) {
            out[k++] = Math.toIntExact(ids[i]);
        }
        if (appendEos) {
            out[k] = eosId;
        }
        return out;
    }

    /** Like transformers' {@code decode(ids, skip_special_tokens=...)}. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        String text = require().decode(l, skipSpecialTokens);
        return cleanUpSpaces ? cleanUpTokenization(text) : text;
    }

    /** The text of one token on its own (a partial UTF-8 character decodes to U+FFFD). */
    public String tokenText(int id) {
        return require().decode(new long[] {id}, false);
    }

    /**
     * Decoding without the {@code clean_up_tokenization_spaces} rewrite, for streaming: the
     * rewrite looks across token boundaries, so it cannot be applied to deltas.
     */
    public String decodeRaw(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return require().decode(l, skipSpecialTokens);
    }

    /** False for a checkpoint without tokenizer.json (see {@link #loadIfPresent}). */
    public boolean isAvailable() {
        return tokenizer != null;
    }

    private HuggingFaceTokenizer require() {
        if (tokenizer == null) {
            throw new TokenizerException(missingMessage(missingFrom));
        }
        return tokenizer;
    }

    /** transformers' {@code clean_up_tokenization}: removes spaces before punctuation and contractions. */
    static String cleanUpTokenization(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    /** The id of a special token string, when it encodes to exactly one id. */
    private Integer singleId(String token) {
        if (token == null || token.isEmpty()) {
            return null;
        }
        long[] ids = tokenizer.encode(token, false, false).getIds();
        return ids.length == 1 ? Math.toIntExact(ids[0]) : null;
    }

    private static int[] toInts(long[] ids, int from, int to) {
        int[] out = new int[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = Math.toIntExact(ids[i]);
        }
        return out;
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
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}
