package io.logitstream.worker.engine.glm;

import io.logitstream.worker.engine.tokenizer.ChatIdsEncoder;
import io.logitstream.worker.engine.tokenizer.ChatMessage;
import io.logitstream.worker.engine.tokenizer.TextTokenizer;
import io.logitstream.worker.engine.tokenizer.TokenizerException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ChatGLM3's {@code ChatGLMTokenizer.build_chat_input} (GLM-4's ChatGLM4Tokenizer has the same) as
 * ids: {@code [gMASK] sop}, then per message
 * its role token, SentencePiece's ids of {@code metadata + "\n"} and of the content (each encoded on
 * its own, without the added-token split), then {@code <|assistant|>} when a reply is asked for.
 * Messages carry no metadata here, so the role line is {@code "\n"}, as for every message of
 * ChatGLM3's {@code chat} except tool calls.
 */
final class ChatGlm3Prompt implements ChatIdsEncoder {
    private static final List<String> ROLES = List.of("system", "user", "assistant", "observation");

    private final TextTokenizer tokenizer;
    private final int[] prefix;
    private final int[] roleIds;
    private final int assistant;

    private ChatGlm3Prompt(TextTokenizer tokenizer, int[] prefix, int[] roleIds) {
        this.tokenizer = tokenizer;
        this.prefix = prefix;
        this.roleIds = roleIds;
        this.assistant = roleIds[ROLES.indexOf("assistant")];
    }

    /** For a tokenizer with ChatGLM3's command tokens ({@link TextTokenizer#commandTokenId}); empty otherwise. */
    static Optional<ChatIdsEncoder> of(TextTokenizer tokenizer) {
        Integer gmask = tokenizer.commandTokenId("[gMASK]");
        // ChatGLM3 calls it sop, GLM-4 (same build_chat_input) <sop>
        Integer sop = tokenizer.commandTokenId("sop") != null ? tokenizer.commandTokenId("sop")
                : tokenizer.commandTokenId("<sop>");
        if (gmask == null || sop == null) {
            return Optional.empty();
        }
        int[] roles = new int[ROLES.size()];
        for (int i = 0; i < roles.length; i++) {
            Integer id = tokenizer.commandTokenId("<|" + ROLES.get(i) + "|>");
            if (id == null) {
                return Optional.empty();
            }
            roles[i] = id;
        }
        return Optional.of(new ChatGlm3Prompt(tokenizer, new int[] {gmask, sop}, roles));
    }

    @Override
    public int[] encode(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Integer> ids = new ArrayList<>();
        add(ids, prefix);
        int[] newline = tokenizer.encodeWithoutAddedTokens("\n");
        for (ChatMessage m : messages) {
            int role = ROLES.indexOf(m.role());
            if (role < 0) {
                throw new TokenizerException("ChatGLM3's chat format has no role '" + m.role() + "' (it has "
                        + String.join(", ", ROLES) + ")");
            }
            ids.add(roleIds[role]);
            add(ids, newline);
            add(ids, tokenizer.encodeWithoutAddedTokens(m.content()));
        }
        if (addGenerationPrompt) {
            ids.add(assistant);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void add(List<Integer> into, int[] ids) {
        for (int id : ids) {
            into.add(id);
        }
    }
}
