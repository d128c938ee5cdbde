package io.logitstream.worker.engine.tokenizer;

import ai.djl.sentencepiece.SpProcessor;
import ai.djl.sentencepiece.SpTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ChatGLM2/ChatGLM3's SentencePiece tokenizer ({@code tokenizer_class: ChatGLMTokenizer}), which is
 * remote code ({@code tokenization_chatglm.py}: {@code ChatGLMTokenizer} over {@code SPTokenizer}),
 * restated on transformers 4's {@code PreTrainedTokenizer}:
 *
 * <ul>
 *   <li>nine <em>command</em> tokens get the ids right after the SentencePiece vocabulary, in the
 *       order of {@link #COMMANDS} (ChatGLM3-6B: {@code [gMASK]} 64790, {@code sop} 64792,
 *       {@code <|user|>} 64795): they are not pieces, and a text holds them only as the added
 *       tokens tokenizer_config.json lists (ChatGLM3 lists four);</li>
 *   <li>the text is split on the added tokens, each piece between goes through SentencePiece as is
 *       (its own dummy prefix), and a piece spelled like a command maps to the command;</li>
 *   <li>{@code add_special_tokens} puts {@code [gMASK] sop} in front (no BOS, no EOS);</li>
 *   <li>decoding: {@code <s>}, {@code </s>}, {@code <unk>} (the ids, not the added tokens) decode to
 *       nothing, commands to their names, pieces through SentencePiece's DecodePieces; the non-special
 *       added tokens are decoded on their own and joined with spaces, as {@code _decode} does.</li>
 * </ul>
 *
 * The special tokens are {@code </s>} (eos) and {@code <unk>} (unk and pad), at their SentencePiece ids.
 * (transformers 4.34 and later add {@code </s>} / {@code <unk>} as new tokens when the folder's
 * added_tokens_decoder does not hold them, at ids the remote {@code get_vocab} makes collide with
 * {@code <|assistant|>} / {@code <|observation|>}; this class keeps the remote code's intent, their
 * SentencePiece ids.)
 */
final class ChatGlmSentencePieceBackend implements TokenizerBackend {
    static final String TOKENIZER_CLASS = "ChatGLMTokenizer";
    /** ChatGLM3's SPTokenizer command tokens, in id order after the SentencePiece vocabulary. */
    static final List<String> COMMANDS = List.of("[MASK]", "[gMASK]", "[sMASK]", "sop", "eop", "<|system|>",
            "<|user|>", "<|assistant|>", "<|observation|>");
    /** ChatGLM2's: the same class name and vocabulary, without the role tokens. */
    static final List<String> CHATGLM2_COMMANDS = COMMANDS.subList(0, 5);
    /** The remote code the folder ships (read, never run), which tells ChatGLM2 from ChatGLM3. */
    static final String REMOTE_CODE_FILE = "tokenization_chatglm.py";
    private static final SpecialTokens DEFAULTS = new SpecialTokens(null, "</s>", "<unk>", "<unk>");

    private final SentencePieceModel model;
    private final SpTokenizer native_;
    private final SpProcessor processor;
    private final SentencePieceDecoder decoder;
    private final AddedTokens added;
    private final Map<String, Integer> commands = new LinkedHashMap<>();
    private final Map<Integer, String> commandNames = new LinkedHashMap<>();
    /** The ids that decode to nothing: bos, eos and unk (SPTokenizer's pad); SentencePiece's default pieces. */
    private final List<Integer> silentIds = new ArrayList<>();

    /** The command tokens in id order: ChatGLM3's nine or ChatGLM2's five. */
    private final List<String> commandOrder;

    private ChatGlmSentencePieceBackend(Path dir, SentencePieceModel model, JsonNode config) {
        this.commandOrder = commandsOf(dir);
        this.model = model;
        this.native_ = new SpTokenizer(model.bytes());
        this.processor = native_.getProcessor();
        this.decoder = new SentencePieceDecoder(model, model.addDummyPrefix());
        for (int i = 0; i < commandOrder.size(); i++) {
            commands.put(commandOrder.get(i), model.size() + i);
            commandNames.put(model.size() + i, commandOrder.get(i));
        }
        for (String piece : List.of("<s>", "</s>", "<unk>")) {
            Integer id = model.exactId(piece);
            if (id != null) {
                silentIds.add(id);
            }
        }
        silentIds.add(model.unkId());
        this.added = new AddedTokens(dir, config, DEFAULTS, this::vocabId, model.size() + commandOrder.size());
    }

    /**
     * ChatGLM3's commands, unless the folder's own tokenization_chatglm.py has no role tokens
     * (ChatGLM2's, whose prompt is plain text): then only {@code [MASK] [gMASK] [sMASK] sop eop}.
     */
    private static List<String> commandsOf(Path dir) {
        Path remote = dir.resolve(REMOTE_CODE_FILE);
        if (Files.isRegularFile(remote)) {
            try {
                if (!Files.readString(remote).contains("<|user|>")) {
                    return CHATGLM2_COMMANDS;
                }
            } catch (IOException e) {
                throw new TokenizerException("cannot read " + remote + ": " + e.getMessage(), e);
            }
        }
        return COMMANDS;
    }

    static boolean appliesTo(JsonNode config) {
        return TOKENIZER_CLASS.equals(config.path("tokenizer_class").asText());
    }

    static ChatGlmSentencePieceBackend load(Path dir, JsonNode config) {
        Path file = dir.resolve(SentencePieceBackend.FILE);
        try {
            return new ChatGlmSentencePieceBackend(dir, SentencePieceModel.parse(Files.readAllBytes(file)), config);
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException("cannot load " + file + ": " + e.getMessage(), e);
        }
    }

    /** SPTokenizer.convert_token_to_id: a command, else the piece's id (null when it is no piece). */
    private Integer vocabId(String token) {
        Integer id = commands.get(token);
        return id != null ? id : model.exactId(token);
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        List<Integer> prefix = addSpecialTokens ? List.of(commands.get("[gMASK]"), commands.get("sop")) : List.of();
        return added.encode(text, prefix, this::appendPieces);
    }

    /** SentencePiece's ids for text between added tokens; a piece spelled like a command becomes the command. */
    private void appendPieces(String text, List<Integer> ids) {
        for (int id : processor.encode(text)) {
            Integer command = commands.get(model.piece(id));
            ids.add(command != null ? command : id);
        }
    }

    /**
     * SPTokenizer.encode: SentencePiece alone, no added-token split, no prefix; what
     * {@code build_chat_input} encodes each role line and each message with.
     */
    @Override
    public int[] encodeWithoutAddedTokens(String text) {
        return processor.encode(text);
    }

    /** The id of a command token ({@code [gMASK]}, {@code sop}, {@code <|user|>}...), or null. */
    @Override
    public Integer commandId(String token) {
        return commands.get(token);
    }

    /** PreTrainedTokenizer._decode over ChatGLMTokenizer's tokens, spaces between added tokens. */
    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return added.decode(ids, skipSpecialTokens, model.size() + commandOrder.size(), this::idToToken,
                decoder::decode);
    }

    /** SPTokenizer.convert_id_to_token: commands by name; bos/eos/unk and ids outside the vocabulary as "". */
    private String idToToken(int id) {
        String command = commandNames.get(id);
        if (command != null) {
            return command;
        }
        if (silentIds.contains(id) || id < 0 || id >= model.size()) {
            return "";
        }
        return model.piece(id);
    }

    @Override
    public Integer tokenToId(String token) {
        if (token == null) {
            return null;
        }
        Integer id = added.idOf(token);
        return id != null ? id : vocabId(token);
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
