package io.logitstream.worker.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.FatalTemplateErrorsException;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The model's chat template ({@code chat_template} in {@code tokenizer_config.json}) rendered with
 * Jinjava, with the variables transformers' {@code apply_chat_template} provides: {@code messages},
 * {@code add_generation_prompt}, the special-token strings ({@code bos_token}, {@code eos_token},
 * ...), and the {@code raise_exception} / {@code strftime_now} helpers. Like transformers, blocks
 * are trimmed ({@code trim_blocks}, {@code lstrip_blocks}).
 *
 * <p>The rendered text already contains the template's special tokens, so it must be encoded
 * with {@code addSpecialTokens=false} (that is what {@code apply_chat_template(tokenize=True)} does).
 */
public final class ChatTemplate {
    private static final Jinjava JINJAVA = newJinjava();
    /** The message of a {@code raise_exception} call during the current render (Jinjava wraps it). */
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    private final String template;
    private final SpecialTokens specialTokens;

    public ChatTemplate(String template, SpecialTokens specialTokens) {
        this.template = template;
        this.specialTokens = specialTokens;
    }

    /**
     * The template of a tokenizer config: a string, or a list of named templates (the one named
     * {@code default} is used). Empty when the model has none.
     */
    public static Optional<ChatTemplate> from(JsonNode tokenizerConfig) {
        return from(tokenizerConfig, SpecialTokens.from(tokenizerConfig));
    }

    /**
     * Like {@link #from(JsonNode)}, with the special tokens the tokenizer resolved (a SentencePiece
     * folder may name them in special_tokens_map.json or rely on the tokenizer class's defaults).
     */
    public static Optional<ChatTemplate> from(JsonNode tokenizerConfig, SpecialTokens specialTokens) {
        JsonNode t = tokenizerConfig == null ? null : tokenizerConfig.get("chat_template");
        if (t == null || t.isNull()) {
            return Optional.empty();
        }
        String text = null;
        if (t.isTextual()) {
            text = t.asText();
        } else if (t.isArray()) {
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText())) {
                    text = named.path("template").asText();
                }
            }
        }
        return text == null || text.isEmpty() ? Optional.empty()
                : Optional.of(new ChatTemplate(text, specialTokens));
    }

    /** Renders the conversation; fails with the template's own message on {@code raise_exception}. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            msgs.add(map);
        }
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("messages", msgs);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        ctx.put("bos_token", nullToEmpty(specialTokens.bos()));
        ctx.put("eos_token", nullToEmpty(specialTokens.eos()));
        ctx.put("unk_token", nullToEmpty(specialTokens.unk()));
        ctx.put("pad_token", nullToEmpty(specialTokens.pad()));
        RenderResult result;
        String raised;
        RAISED.remove();
        try {
            result = JINJAVA.renderForResult(template, ctx);
        } catch (FatalTemplateErrorsException e) {
            throw new TokenizerException("chat template failed: " + e.getMessage(), e);
        } finally {
            // Jinjava reports a failing function as "Error invoking function"; keep the template's words.
            raised = RAISED.get();
            RAISED.remove();
        }
        if (raised != null) {
            throw new TokenizerException("chat template rejected the messages: " + raised);
        }
        for (TemplateError err : result.getErrors()) {
            if (err.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new TokenizerException("chat template failed: " + err.getMessage());
            }
        }
        return result.getOutput();
    }

    public String template() {
        return template;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /** {@code raise_exception(msg)} in a template: aborts rendering with that message. */
    public static String raiseException(String message) {
        if (RAISED.get() == null) {
            RAISED.set(message);
        }
        throw new TemplateRaisedException(message);
    }

    /** {@code strftime_now(fmt)}: the current local time, with the common strftime fields. */
    public static String strftimeNow(String format) {
        String f = format.replace("%Y", "yyyy").replace("%m", "MM").replace("%d", "dd")
                .replace("%H", "HH").replace("%M", "mm").replace("%S", "ss")
                .replace("%B", "MMMM").replace("%b", "MMM").replace("%A", "EEEE").replace("%a", "EEE");
        return LocalDateTime.now().format(DateTimeFormatter.ofPattern(f));
    }

    private static Jinjava newJinjava() {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                ChatTemplate.class, "strftimeNow", String.class));
        return jinjava;
    }

    /** Thrown by {@code raise_exception}; Jinjava reports it as a fatal error. */
    static final class TemplateRaisedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaisedException(String message) {
            super(message);
        }
    }
}
