package dev.ignis.runtime.model;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import dev.ignis.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's own Jinja chat template (GGUF {@code tokenizer.chat_template}) rendered by Jinjava with
 * the variables chat templates expect: {@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}.
 */
public final class ChatTemplate {

    private final String template;
    private final String bos;
    private final String eos;
    private final Jinjava jinja;

    public ChatTemplate(String template, Tokenizer tokenizer) {
        this.template = template;
        this.bos = tokenizer.bos() >= 0 ? new String(pieceOf(tokenizer, tokenizer.bos()), StandardCharsets.UTF_8) : "";
        this.eos = tokenizer.eos() >= 0 ? new String(pieceOf(tokenizer, tokenizer.eos()), StandardCharsets.UTF_8) : "";
        this.jinja = new Jinjava(JinjavaConfig.newBuilder().withFailOnUnknownTokens(false).build());
    }

    private static byte[] pieceOf(Tokenizer tokenizer, int token) {
        return tokenizer.tokenBytes(token);
    }

    /** A rendered prompt, or the template's error message. */
    public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bos);
        context.put("eos_token", eos);
        RenderResult result = jinja.renderForResult(template, context);
        if (!result.getErrors().isEmpty()) {
            throw new IllegalArgumentException("the chat template failed: " + result.getErrors().getFirst().getMessage());
        }
        return result.getOutput();
    }
}
