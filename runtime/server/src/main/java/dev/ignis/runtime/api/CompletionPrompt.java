package dev.ignis.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ignis.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code prompt} of a completion: a string, an array of one string, or an array of token ids. Text gets
 * the special tokens the model's metadata asks for ({@link Tokenizer#withSpecialTokens}: BOS for Llama, none for
 * Qwen2); token ids are the model's input as given, BOS included or not by the client, as llama.cpp's server
 * takes them.
 */
final class CompletionPrompt {

    private CompletionPrompt() {
    }

    static List<Integer> of(JsonNode body, Tokenizer tokenizer) {
        JsonNode prompt = body.get("prompt");
        if (prompt == null || prompt.isNull()) {
            throw ApiException.invalid("prompt", "prompt is required");
        }
        if (prompt.isTextual()) {
            return tokenizer.withSpecialTokens(tokenizer.encode(prompt.asText()));
        }
        if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            return tokenizer.withSpecialTokens(tokenizer.encode(prompt.get(0).asText()));
        }
        if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isIntegralNumber()) {
            List<Integer> ids = new ArrayList<>();
            for (JsonNode id : prompt) {
                if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() >= tokenizer.vocabularySize()) {
                    throw ApiException.invalid("prompt", "token ids must be integers below " + tokenizer.vocabularySize());
                }
                ids.add(id.asInt());
            }
            return ids;
        }
        throw ApiException.invalid("prompt", "prompt must be a string, an array of one string, or an array of token"
                + " ids (several prompts in one request are not supported)");
    }
}
