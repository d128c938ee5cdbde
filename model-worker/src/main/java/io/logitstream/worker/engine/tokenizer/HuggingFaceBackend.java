package io.logitstream.worker.engine.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The fast tokenizer: DJL's binding of the Rust {@code tokenizers} library over {@code tokenizer.json}
 * (never from the hub). DJL's own defaults (truncation to 512, padding to the longest) are switched
 * off: the engine wants the exact ids, whatever the length. {@code tokenizer.json}'s post-processor
 * decides which special tokens {@link #encode} adds; an explicit {@code add_bos_token}/{@code
 * add_eos_token} in {@code tokenizer_config.json} overrides it, as transformers does for Llama-style
 * tokenizers.
 */
final class HuggingFaceBackend implements TokenizerBackend {
    private final HuggingFaceTokenizer tokenizer;
    private final SpecialTokens specialTokens;
    private final Integer bosId;
    private final Integer eosId;
    private final Boolean addBos;
    private final Boolean addEos;

    private HuggingFaceBackend(HuggingFaceTokenizer tokenizer, JsonNode config) {
        this.tokenizer = tokenizer;
        this.specialTokens = SpecialTokens.from(config);
        this.bosId = tokenToId(specialTokens.bos());
        this.eosId = tokenToId(specialTokens.eos());
        this.addBos = config.hasNonNull("add_bos_token") ? config.get("add_bos_token").asBoolean() : null;
        this.addEos = config.hasNonNull("add_eos_token") ? config.get("add_eos_token").asBoolean() : null;
    }

    static HuggingFaceBackend load(Path file, JsonNode config) {
        // addSpecialTokens=true: encode() applies the post-processor; the per-call flag decides.
        Map<String, String> options = Map.of(
                "addSpecialTokens", "true",
                "truncation", "false",
                "padding", "false");
        try (InputStream in = Files.newInputStream(file)) {
            return new HuggingFaceBackend(HuggingFaceTokenizer.newInstance(in, options), config);
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException("cannot load " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        Encoding enc = tokenizer.encode(text, addSpecialTokens, false);
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

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, skipSpecialTokens);
    }

    /** The id of a token string, when it encodes to exactly one id. */
    @Override
    public Integer tokenToId(String token) {
        if (token == null || token.isEmpty()) {
            return null;
        }
        long[] ids = tokenizer.encode(token, false, false).getIds();
        return ids.length == 1 ? Math.toIntExact(ids[0]) : null;
    }

    @Override
    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    private static int[] toInts(long[] ids, int from, int to) {
        int[] out = new int[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
