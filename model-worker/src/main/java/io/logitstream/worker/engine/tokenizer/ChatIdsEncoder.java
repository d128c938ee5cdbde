package io.logitstream.worker.engine.tokenizer;

import java.util.List;

/**
 * Chat messages straight to ids, for the models whose own code builds the prompt as ids rather than
 * through a rendered template (ChatGLM3's {@code build_chat_input} encodes each message on its own,
 * which differs from encoding one rendered string where SentencePiece would join or split pieces).
 */
@FunctionalInterface
public interface ChatIdsEncoder {

    /**
     * @throws TokenizerException for a message the format cannot hold (an unknown role)
     */
    int[] encode(List<ChatMessage> messages, boolean addGenerationPrompt);
}
