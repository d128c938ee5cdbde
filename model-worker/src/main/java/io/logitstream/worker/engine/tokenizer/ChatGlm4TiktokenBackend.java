package io.logitstream.worker.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * GLM-4's original tokenizer ({@code tokenizer_class: ChatGLM4Tokenizer}, THUDM/glm-4-9b-chat's
 * remote {@code tokenization_chatglm.py}): a tiktoken BPE in {@code tokenizer.model} ({@link TiktokenBpe})
 * with GLM-4's pre-tokenization regex, restated on transformers 4's {@code PreTrainedTokenizer}:
 *
 * <ul>
 *   <li>fourteen special tokens get the ids right after the ranks ({@link #SPECIAL}; GLM-4-9B-chat:
 *       {@code <|endoftext|>} 151329, {@code [gMASK]} 151331, {@code <sop>} 151333, {@code <|user|>}
 *       151336); a text holds them as the added tokens tokenizer_config.json lists (GLM-4 lists all),
 *       the text between goes through tiktoken as ordinary text ({@code disallowed_special=()});</li>
 *   <li>{@code add_special_tokens} puts {@code [gMASK] <sop>} in front;</li>
 *   <li>decoding joins token bytes as UTF-8 with errors replaced (U+FFFD per bad sequence), special
 *       tokens verbatim, non-special added tokens spaced apart as {@code _decode} does.</li>
 * </ul>
 * An id past the vocabulary (a padded embedding row) decodes to nothing (the remote code fails on it).
 */
final class ChatGlm4TiktokenBackend implements TokenizerBackend {
    static final String TOKENIZER_CLASS = "ChatGLM4Tokenizer";
    static final List<String> SPECIAL = List.of("<|endoftext|>", "[MASK]", "[gMASK]", "[sMASK]", "<sop>", "<eop>",
            "<|system|>", "<|user|>", "<|assistant|>", "<|observation|>", "<|begin_of_image|>", "<|end_of_image|>",
            "<|begin_of_video|>", "<|end_of_video|>");
    /**
     * GLM-4's pat_str. tiktoken runs it with Rust's fancy-regex, whose {@code \s} is Unicode
     * White_Space: Java needs UNICODE_CHARACTER_CLASS for that ({@code \p{L}}, {@code \p{N}} and the
     * classes match whole code points either way).
     */
    static final Pattern GLM4_PATTERN = Pattern.compile("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final SpecialTokens DEFAULTS = new SpecialTokens(null, "<|endoftext|>", null, null);

    private final TiktokenBpe bpe;
    private final AddedTokens added;
    private final Map<String, Integer> commands = new LinkedHashMap<>();
    private final Map<Integer, String> commandNames = new LinkedHashMap<>();
    private final int vocabSize;

    private ChatGlm4TiktokenBackend(Path dir, TiktokenBpe bpe, JsonNode config) {
        this.bpe = bpe;
        for (int i = 0; i < SPECIAL.size(); i++) {
            commands.put(SPECIAL.get(i), bpe.size() + i);
            commandNames.put(bpe.size() + i, SPECIAL.get(i));
        }
        this.vocabSize = bpe.size() + SPECIAL.size();
        this.added = new AddedTokens(dir, config, DEFAULTS, commands::get, vocabSize);
    }

    /** ChatGLM4Tokenizer by name, or a tokenizer.model that is a tiktoken rank file (GLM-4's is the one we know). */
    static boolean appliesTo(Path dir, JsonNode config) {
        return TOKENIZER_CLASS.equals(config.path("tokenizer_class").asText())
                || TiktokenBpe.isRankFile(dir.resolve(SentencePieceBackend.FILE));
    }

    static ChatGlm4TiktokenBackend load(Path dir, JsonNode config) {
        Path file = dir.resolve(SentencePieceBackend.FILE);
        try {
            return new ChatGlm4TiktokenBackend(dir, TiktokenBpe.load(file, GLM4_PATTERN), config);
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException("cannot load " + file + " as a tiktoken rank file: " + e.getMessage(), e);
        }
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        List<Integer> prefix = addSpecialTokens ? List.of(commands.get("[gMASK]"), commands.get("<sop>")) : List.of();
        return added.encode(text, prefix, bpe::encodeOrdinary);
    }

    /** tiktoken alone ({@code build_single_message}'s encoding of the role line and the message). */
    @Override
    public int[] encodeWithoutAddedTokens(String text) {
        List<Integer> ids = new ArrayList<>();
        bpe.encodeOrdinary(text, ids);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public Integer commandId(String token) {
        return commands.get(token);
    }

    /** PreTrainedTokenizer._decode over ChatGLM4Tokenizer's tokens (bytes, or strings for special tokens). */
    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> subTexts = new ArrayList<>();
        TokenText current = new TokenText();
        for (int id : ids) {
            if (skipSpecialTokens && added.isSpecialId(id)) {
                continue;
            }
            AddedTokens.Token t = added.byId(id);
            String name = t != null ? t.content() : commandNames.get(id);
            if (name != null && skipSpecialTokens && added.isSpecial(name)) {
                continue;
            }
            if (t != null && added.decodesAlone(t, vocabSize)) {
                String s = current.drain();
                if (!s.isEmpty()) {
                    subTexts.add(s);
                }
                subTexts.add(name);
            } else if (name != null) {
                current.add(name);
            } else {
                current.add(bpe.bytes(id));
            }
        }
        if (!current.isEmpty()) {
            subTexts.add(current.drain());
        }
        return String.join(" ", subTexts);
    }

    @Override
    public Integer tokenToId(String token) {
        if (token == null) {
            return null;
        }
        Integer id = added.idOf(token);
        if (id == null) {
            id = commands.get(token);
        }
        return id;
    }

    @Override
    public SpecialTokens specialTokens() {
        return added.specialTokens();
    }

    @Override
    public void close() {
    }

    /** ChatGLM4Tokenizer.convert_tokens_to_string: pending bytes as UTF-8 (errors replaced), strings verbatim. */
    private static final class TokenText {
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private boolean empty = true;

        void add(String s) {
            flush();
            text.append(s);
            empty = false;
        }

        void add(byte[] bytes) {
            if (bytes != null) {
                pending.writeBytes(bytes);
            }
            empty = false;
        }

        boolean isEmpty() {
            return empty;
        }

        String drain() {
            flush();
            String s = text.toString();
            text.setLength(0);
            empty = true;
            return s;
        }

        private void flush() {
            text.append(new String(pending.toByteArray(), StandardCharsets.UTF_8));
            pending.reset();
        }
    }
}
