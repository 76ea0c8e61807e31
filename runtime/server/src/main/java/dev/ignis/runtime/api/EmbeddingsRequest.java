package dev.ignis.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ignis.runtime.inference.EmbeddingService;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A {@code POST /v1/embeddings} body, read with OpenAI's rules: {@code input} is a string, an array of
 * strings, an array of token ids, or an array of token-id arrays; {@code encoding_format} is {@code float}
 * or {@code base64} (the little-endian float32 bytes); {@code dimensions} is accepted only when it equals
 * the model's width, since BERT embeddings cannot be shortened; {@code user} is accepted and ignored.
 */
record EmbeddingsRequest(List<EmbeddingService.Input> inputs, boolean base64) {

    /** Inputs per request, OpenAI's limit too. */
    static final int MAX_INPUTS = 2048;

    static EmbeddingsRequest parse(JsonNode body, int vocabularySize, int dimensions) {
        List<EmbeddingService.Input> inputs = inputs(body.get("input"), vocabularySize);
        JsonNode format = body.get("encoding_format");
        boolean base64 = false;
        if (format != null && !format.isNull()) {
            if (!format.isTextual() || !(format.asText().equals("float") || format.asText().equals("base64"))) {
                throw ApiException.invalid("encoding_format", "encoding_format must be 'float' or 'base64'");
            }
            base64 = format.asText().equals("base64");
        }
        JsonNode dims = body.get("dimensions");
        if (dims != null && !dims.isNull()) {
            if (!dims.isIntegralNumber()) {
                throw ApiException.invalid("dimensions", "dimensions must be an integer");
            }
            if (dims.asLong() != dimensions) {
                throw ApiException.invalid("dimensions", "this model's embeddings have " + dimensions
                        + " dimensions and cannot be shortened: omit dimensions or send " + dimensions);
            }
        }
        JsonNode user = body.get("user");
        if (user != null && !user.isNull() && !user.isTextual()) {
            throw ApiException.invalid("user", "user must be a string");
        }
        return new EmbeddingsRequest(inputs, base64);
    }

    private static List<EmbeddingService.Input> inputs(JsonNode input, int vocabularySize) {
        String expected = "input must be a string, an array of strings, an array of token ids, or an array of"
                + " token-id arrays";
        if (input == null || input.isNull()) {
            throw ApiException.invalid("input", "input is required: " + expected.substring("input must be ".length()));
        }
        List<EmbeddingService.Input> out = new ArrayList<>();
        if (input.isTextual()) {
            out.add(text(input, 0));
            return out;
        }
        if (!input.isArray()) {
            throw ApiException.invalid("input", expected);
        }
        if (input.isEmpty()) {
            throw ApiException.invalid("input", "input must not be empty");
        }
        JsonNode first = input.get(0);
        if (first.isIntegralNumber()) {
            out.add(new EmbeddingService.Input.Tokens(tokens(input, -1, vocabularySize)));
            return out;
        }
        if (input.size() > MAX_INPUTS) {
            throw ApiException.invalid("input", "at most " + MAX_INPUTS + " inputs per request, got " + input.size());
        }
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            if (first.isTextual() && item.isTextual()) {
                out.add(text(item, i));
            } else if (first.isArray() && item.isArray()) {
                out.add(new EmbeddingService.Input.Tokens(tokens(item, i, vocabularySize)));
            } else {
                throw ApiException.invalid("input", expected + "; input[" + i + "] does not match input[0]");
            }
        }
        return out;
    }

    private static EmbeddingService.Input text(JsonNode node, int index) {
        if (node.asText().isEmpty()) {
            throw ApiException.invalid("input", "input[" + index + "] is an empty string");
        }
        return new EmbeddingService.Input.Text(node.asText());
    }

    private static int[] tokens(JsonNode array, int index, int vocabularySize) {
        String where = index < 0 ? "input" : "input[" + index + "]";
        if (array.isEmpty()) {
            throw ApiException.invalid("input", where + " is an empty array of token ids");
        }
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = array.get(i);
            if (!t.isIntegralNumber() || t.asLong() < 0 || t.asLong() >= vocabularySize) {
                throw ApiException.invalid("input", where + " must hold token ids from 0 to " + (vocabularySize - 1)
                        + "; element " + i + " is " + t);
            }
            ids[i] = t.asInt();
        }
        return ids;
    }

    /** {@code {object: list, data: [{object: embedding, index, embedding}], model, usage}}. */
    ObjectNode response(ObjectMapper json, EmbeddingService.Result result, String model) {
        ObjectNode body = json.createObjectNode().put("object", "list");
        ArrayNode data = body.putArray("data");
        float[][] embeddings = result.embeddings();
        for (int i = 0; i < embeddings.length; i++) {
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                ByteBuffer bytes = ByteBuffer.allocate(embeddings[i].length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(embeddings[i]);
                item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float v : embeddings[i]) {
                    values.add(v);
                }
            }
        }
        body.put("model", model);
        body.putObject("usage").put("prompt_tokens", result.promptTokens()).put("total_tokens", result.promptTokens());
        return body;
    }
}
