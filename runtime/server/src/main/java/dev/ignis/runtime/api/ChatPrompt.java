package dev.ignis.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ignis.engine.tokenizer.Tokenizer;
import dev.ignis.runtime.model.ChatTemplate;
import dev.ignis.runtime.model.ModelHost;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code messages} rendered with the model's chat template and tokenized with its special tokens; BOS goes in
 * front if the model wants it and the template did not already write it.
 */
final class ChatPrompt {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private ChatPrompt() {
    }

    static List<Integer> of(JsonNode body, ModelHost.State state, Tokenizer tokenizer) {
        ChatTemplate template = state.chatTemplate();
        if (template == null) {
            throw ApiException.invalid("messages", "this model has no chat template; use /v1/completions or configure"
                    + " ignis.runtime.chat-template");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.invalid("messages", "messages must be a non-empty array");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText("");
            if (!ROLES.contains(role)) {
                throw ApiException.invalid("messages[" + i + "].role", "role must be one of " + ROLES);
            }
            Map<String, Object> message = new HashMap<>();
            message.put("role", role.equals("developer") ? "system" : role);
            message.put("content", content(m.get("content"), i));
            list.add(message);
        }
        String rendered;
        try {
            rendered = template.render(list, true);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("messages", e.getMessage());
        }
        // BOS only if the model's metadata asks for it, and not a second time after a template's {{ bos_token }}.
        return tokenizer.withSpecialTokens(tokenizer.encode(rendered, true));
    }

    private static String content(JsonNode content, int index) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText())) {
                    throw ApiException.invalid("messages[" + index + "].content", "only text content parts are supported");
                }
                sb.append(part.path("text").asText());
            }
            return sb.toString();
        }
        throw ApiException.invalid("messages[" + index + "].content", "content must be a string or an array of text parts");
    }
}
