package io.logitstream.worker.engine.glm;

import io.logitstream.worker.engine.config.GenerationDefaults;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.tokenizer.ChatIdsEncoder;
import io.logitstream.worker.engine.tokenizer.ChatTemplate;
import io.logitstream.worker.engine.tokenizer.SpecialTokens;
import io.logitstream.worker.engine.tokenizer.TextTokenizer;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * ChatGLM3's conversation conventions for the original {@code chatglm} folders, which are remote code
 * ({@code tokenization_chatglm.py}'s {@code build_chat_input}, {@code modeling_chatglm.py}'s
 * {@code chat}) rather than files the engine reads:
 *
 * <ul>
 *   <li>the prompt {@code [gMASK]sop<|role|>\n content...<|assistant|>} for roles system, user,
 *       assistant, observation: {@link #CHATGLM3_TEMPLATE}, the jinja template later revisions of
 *       THUDM/chatglm3-6b put in tokenizer_config.json. A folder whose tokenizer_config.json has a
 *       {@code chat_template} (GLM-4) uses its own; the built-in one applies only when the
 *       tokenizer has ChatGLM3's special tokens ({@code sop} and the role tokens) as single tokens,
 *       so ChatGLM2 (whose prompt is plain text, {@code [Round 1]\n\n问：}) gets none.
 *   <li>a reply ends at the end token or at the next role token: {@code chat} generates with
 *       {@code eos_token_id = [eos, <|user|>, <|observation|>]}, so those are added to the stop ids.
 * </ul>
 *
 * Everything goes through {@link TextTokenizer}'s API, so it holds for any tokenizer format.
 */
public final class ChatGlmChat {
    /** THUDM/chatglm3-6b tokenizer_config.json's chat_template. */
    public static final String CHATGLM3_TEMPLATE = "{% for message in messages %}{% if loop.first %}"
            + "[gMASK]sop<|{{ message['role'] }}|>\n {{ message['content'] }}"
            + "{% else %}<|{{ message['role'] }}|>\n {{ message['content'] }}{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}<|assistant|>{% endif %}";
    /** The tokens the ChatGLM3 format is built from. */
    private static final String[] FORMAT_TOKENS = {"[gMASK]", "sop", "<|system|>", "<|user|>", "<|assistant|>",
        "<|observation|>"};
    /** The role tokens that end a reply: the next turn is the user's or a tool's. */
    private static final String[] STOP_TOKENS = {"<|user|>", "<|observation|>"};

    private ChatGlmChat() {
    }

    /** Whether {@code config} is an original ChatGLM folder ({@code model_type: chatglm}). */
    public static boolean applies(ModelConfig config) {
        return GlmModel.CHATGLM.equals(config.modelType());
    }

    /**
     * The built-in ChatGLM3 template for a chatglm folder whose tokenizer has ChatGLM3's tokens;
     * empty otherwise (the caller uses tokenizer_config.json's template first).
     */
    public static Optional<ChatTemplate> builtInTemplate(ModelConfig config, TextTokenizer tokenizer) {
        if (!applies(config) || !tokenizer.isAvailable()) {
            return Optional.empty();
        }
        for (String token : FORMAT_TOKENS) {
            if (singleTokenId(tokenizer, token) == null) {
                return Optional.empty();
            }
        }
        return Optional.of(new ChatTemplate(CHATGLM3_TEMPLATE, SpecialTokens.from(tokenizer.config())));
    }

    /**
     * For a chatglm folder whose tokenizer is ChatGLM3's own ({@code ChatGLMTokenizer}, with command
     * tokens), {@code build_chat_input}'s ids ({@link ChatGlm3Prompt}), which the built-in template's
     * text only approximates (it encodes each message on its own); empty otherwise. Used only when
     * tokenizer_config.json has no chat template (transformers' {@code apply_chat_template} renders
     * that one).
     */
    public static Optional<ChatIdsEncoder> builtInIds(ModelConfig config, TextTokenizer tokenizer) {
        if (!applies(config) || !tokenizer.isAvailable()) {
            return Optional.empty();
        }
        return ChatGlm3Prompt.of(tokenizer);
    }

    /**
     * For a chatglm folder, {@code defaults} with the tokenizer's end token and the role tokens
     * {@code <|user|>}, {@code <|observation|>} added to the stop ids (those the tokenizer has);
     * other models' defaults unchanged.
     */
    public static GenerationDefaults withRoleStops(GenerationDefaults defaults, ModelConfig config,
            TextTokenizer tokenizer) {
        if (!applies(config) || !tokenizer.isAvailable()) {
            return defaults;
        }
        Set<Integer> stops = new LinkedHashSet<>(defaults.eosTokenIds());
        if (tokenizer.eosTokenId() != null) {
            stops.add(tokenizer.eosTokenId());
        }
        for (String token : STOP_TOKENS) {
            Integer id = singleTokenId(tokenizer, token);
            if (id != null) {
                stops.add(id);
            }
        }
        return new GenerationDefaults(Set.copyOf(stops), defaults.bosTokenId(), defaults.padTokenId(),
                defaults.maxNewTokens(), defaults.maxLength(), defaults.doSample(), defaults.temperature(),
                defaults.topK(), defaults.topP(), defaults.repetitionPenalty());
    }

    /**
     * The id of {@code token}: a command token of the tokenizer class (ChatGLMTokenizer's), or one
     * the tokenizer holds as one token (decoding back to itself); else null.
     */
    static Integer singleTokenId(TextTokenizer tokenizer, String token) {
        Integer command = tokenizer.commandTokenId(token);
        if (command != null) {
            return command;
        }
        int[] ids = tokenizer.encode(token, false);
        if (ids.length != 1 || !token.equals(tokenizer.decode(ids, false))) {
            return null;
        }
        return ids[0];
    }
}
