package io.logitstream.worker.engine.tokenizer;

import ai.djl.sentencepiece.SpProcessor;
import ai.djl.sentencepiece.SpTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece {@code tokenizer.model} tokenized and decoded like transformers' slow
 * {@code LlamaTokenizer} (transformers 4.x; Llama 1/2, Mistral v0.1, InternLM2 and ChatGLM3 ship
 * the same scheme): the text is split on the added and special tokens first (never split), each
 * piece between goes through SentencePiece, and the ids get {@code <s>} / {@code </s>} per
 * {@code add_bos_token} (default true) / {@code add_eos_token} (default false).
 *
 * <p>The prefix-space rule follows {@code legacy} (absent means true, as in transformers):
 * <ul>
 *   <li>legacy: each piece between added tokens is encoded as is, so the model's
 *       {@code add_dummy_prefix} puts a {@code ▁} before every piece, also after a special token;</li>
 *   <li>not legacy: the model is loaded with {@code add_dummy_prefix} off, the text gets one
 *       leading {@code ▁} ({@code add_prefix_space}, default true) and literal {@code ▁} become
 *       spaces; a piece that starts with a space is encoded behind the unknown token and that
 *       token's ids are dropped, so SentencePiece does not eat the space; a lone {@code ▁} before a
 *       special token at the start is dropped.</li>
 * </ul>
 * SentencePiece's own segmentation (unigram or BPE, normalisation, byte fallback) runs natively in
 * DJL's binding; the decoding is Java ({@link SentencePieceDecoder}).
 */
final class SentencePieceBackend implements TokenizerBackend {
    static final String FILE = "tokenizer.model";
    private static final String SPACE_SYMBOL = "\u2581";
    private static final SpecialTokens LLAMA_DEFAULTS = new SpecialTokens("<s>", "</s>", "<unk>", null);

    private final SentencePieceModel model;
    private final SpTokenizer native_;
    private final SpProcessor processor;
    private final SentencePieceDecoder decoder;
    private final AddedTokens added;
    private final boolean legacy;
    private final boolean addPrefixSpace;
    private final boolean addBos;
    private final boolean addEos;
    private final Integer bosId;
    private final Integer eosId;
    private final String unkToken;
    private final int unkLength;
    private final Integer spaceId;

    private SentencePieceBackend(Path dir, SentencePieceModel model, JsonNode config) {
        this.model = model;
        this.legacy = !config.hasNonNull("legacy") || config.get("legacy").asBoolean();
        this.addPrefixSpace = config.path("add_prefix_space").asBoolean(true);
        this.addBos = config.path("add_bos_token").asBoolean(true);
        this.addEos = config.path("add_eos_token").asBoolean(false);
        this.native_ = new SpTokenizer(legacy ? model.bytes() : model.withoutDummyPrefix());
        this.processor = native_.getProcessor();
        this.decoder = new SentencePieceDecoder(model, legacy && model.addDummyPrefix());
        this.added = new AddedTokens(dir, config, LLAMA_DEFAULTS, model::exactId, model.size());
        SpecialTokens special = added.specialTokens();
        this.bosId = tokenToId(special.bos());
        this.eosId = tokenToId(special.eos());
        this.unkToken = special.unk() != null ? special.unk() : model.piece(Math.max(model.unkId(), 0));
        this.unkLength = processor.encode(unkToken).length;
        this.spaceId = model.exactId(SPACE_SYMBOL);
    }

    static SentencePieceBackend load(Path dir, JsonNode config) {
        Path file = dir.resolve(FILE);
        try {
            return new SentencePieceBackend(dir, SentencePieceModel.parse(Files.readAllBytes(file)), config);
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException("cannot load " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        List<Integer> ids = tokenize(text);
        int n = ids.size();
        boolean bos = addSpecialTokens && addBos && bosId != null;
        boolean eos = addSpecialTokens && addEos && eosId != null;
        int[] out = new int[n + (bos ? 1 : 0) + (eos ? 1 : 0)];
        int k = 0;
        if (bos) {
            out[k++] = bosId;
        }
        for (int id : ids) {
            out[k++] = id;
        }
        if (eos) {
            out[k] = eosId;
        }
        return out;
    }

    /** LlamaTokenizer.tokenize, as ids. */
    private List<Integer> tokenize(String text) {
        if (!legacy && !text.isEmpty()) {
            text = text.replace(SPACE_SYMBOL, " ");
            if (addPrefixSpace) {
                text = SPACE_SYMBOL + text;
            }
        }
        List<Integer> ids = new ArrayList<>();
        boolean secondIsSpecial = false;
        boolean firstIsModelSpace = false;
        for (AddedTokens.Segment s : added.split(text)) {
            if (s.token() != null) {
                if (ids.size() == 1) {
                    secondIsSpecial = added.isSpecial(s.text());
                }
                ids.add(s.token().id());
                continue;
            }
            int[] piece = encodeSegment(s.text());
            for (int id : piece) {
                if (ids.isEmpty()) {
                    firstIsModelSpace = spaceId != null && id == spaceId;
                } else if (ids.size() == 1) {
                    secondIsSpecial = false;
                }
                ids.add(id);
            }
        }
        if (!legacy && ids.size() > 1 && firstIsModelSpace && secondIsSpecial) {
            ids.remove(0);
        }
        return ids;
    }

    /** LlamaTokenizer._tokenize: SentencePiece on text between added tokens. */
    private int[] encodeSegment(String segment) {
        if (legacy || !(segment.startsWith(SPACE_SYMBOL) || segment.startsWith(" "))) {
            return processor.encode(segment);
        }
        int[] withUnk = processor.encode(unkToken + segment);
        return withUnk.length >= unkLength ? java.util.Arrays.copyOfRange(withUnk, unkLength, withUnk.length) : withUnk;
    }

    /** PreTrainedTokenizer._decode (spaces between added tokens, as its default) over LlamaTokenizer's pieces. */
    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return added.decode(ids, skipSpecialTokens, model.size(), this::pieceOrEmpty, this::tokensToString);
    }

    /** An id past the vocabulary that no added token holds (a padded embedding row) decodes to nothing. */
    private String pieceOrEmpty(int id) {
        return id >= 0 && id < model.size() ? model.piece(id) : "";
    }

    /** LlamaTokenizer.convert_tokens_to_string: special tokens verbatim, the rest through SentencePiece. */
    private String tokensToString(List<String> tokens) {
        if (tokens.get(0).startsWith(SPACE_SYMBOL) && addPrefixSpace) {
            tokens.set(0, tokens.get(0).substring(SPACE_SYMBOL.length()));
        }
        StringBuilder out = new StringBuilder();
        List<String> sub = new ArrayList<>();
        boolean prevSpecial = false;
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            if (added.isSpecial(token)) {
                if (!prevSpecial && i != 0 && legacy) {
                    out.append(' ');
                }
                out.append(decoder.decode(sub)).append(token);
                prevSpecial = true;
                sub.clear();
            } else {
                if (prevSpecial && i == 1 && addPrefixSpace && !token.startsWith(SPACE_SYMBOL)) {
                    out.append(' ');
                }
                sub.add(token);
                prevSpecial = false;
            }
        }
        out.append(decoder.decode(sub));
        return out.toString();
    }

    @Override
    public Integer tokenToId(String token) {
        if (token == null) {
            return null;
        }
        Integer id = added.idOf(token);
        return id != null ? id : model.exactId(token);
    }

    @Override
    public SpecialTokens specialTokens() {
        return added.specialTokens();
    }

    @Override
    public void close() {
        native_.close();
    }
}
