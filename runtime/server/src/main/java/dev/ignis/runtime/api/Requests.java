package dev.ignis.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ignis.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads OpenAI request fields from JSON with the errors OpenAI clients expect: a wrong type or range is a
 * 400 {@code invalid_request_error} naming the parameter. Unknown fields are ignored, as the OpenAI API does.
 */
final class Requests {

    private Requests() {
    }

    static Double number(JsonNode body, String field, double min, double max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw ApiException.invalid(field, field + " must be a number");
        }
        double v = n.asDouble();
        if (v < min || v > max) {
            throw ApiException.invalid(field, field + " must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    static Integer integer(JsonNode body, String field, int min, int max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber()) {
            throw ApiException.invalid(field, field + " must be an integer");
        }
        long v = n.asLong();
        if (v < min || v > max) {
            throw ApiException.invalid(field, field + " must be between " + min + " and " + max + ", got " + v);
        }
        return (int) v;
    }

    static boolean bool(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw ApiException.invalid(field, field + " must be true or false");
        }
        return n.asBoolean();
    }

    static List<String> stops(JsonNode body) {
        JsonNode n = body.get("stop");
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (n.isTextual()) {
            return List.of(n.asText());
        }
        if (n.isArray() && n.size() <= 4) {
            List<String> out = new ArrayList<>();
            for (JsonNode s : n) {
                if (!s.isTextual()) {
                    throw ApiException.invalid("stop", "stop must be a string or an array of up to 4 strings");
                }
                out.add(s.asText());
            }
            return out;
        }
        throw ApiException.invalid("stop", "stop must be a string or an array of up to 4 strings");
    }

    /** The sampling chain from OpenAI's fields plus the usual extensions (top_k, min_p, dynatemp, ...). */
    static SamplingParams sampling(JsonNode body, int vocabularySize) {
        double temperature = orElse(number(body, "temperature", 0, 2), 1.0);
        Map<Integer, Float> bias = new HashMap<>();
        JsonNode lb = body.get("logit_bias");
        if (lb != null && !lb.isNull()) {
            if (!lb.isObject()) {
                throw ApiException.invalid("logit_bias", "logit_bias must map token ids to numbers");
            }
            lb.fields().forEachRemaining(e -> {
                int token;
                try {
                    token = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw ApiException.invalid("logit_bias", "logit_bias keys must be token ids, got '" + e.getKey() + "'");
                }
                if (token < 0 || token >= vocabularySize || !e.getValue().isNumber()) {
                    throw ApiException.invalid("logit_bias", "logit_bias token " + token + " is not in the vocabulary"
                            + " or its bias is not a number");
                }
                double v = Math.max(-100, Math.min(100, e.getValue().asDouble()));
                bias.put(token, v <= -100 ? Float.NEGATIVE_INFINITY : (float) v);
            });
        }
        JsonNode seed = body.get("seed");
        if (seed != null && !seed.isNull() && !seed.isIntegralNumber()) {
            throw ApiException.invalid("seed", "seed must be an integer");
        }
        try {
            return new SamplingParams((float) temperature,
                    orElse(number(body, "dynatemp_range", 0, 10), 0.0).floatValue(),
                    orElse(number(body, "dynatemp_exponent", 0.01, 10), 1.0).floatValue(),
                    orElse(integer(body, "top_k", 0, vocabularySize), 0),
                    orElse(number(body, "top_p", 0.0001, 1), 1.0).floatValue(),
                    orElse(number(body, "min_p", 0, 1), 0.0).floatValue(),
                    orElse(number(body, "repetition_penalty", 0.01, 10), 1.0).floatValue(),
                    orElse(number(body, "frequency_penalty", -2, 2), 0.0).floatValue(),
                    orElse(number(body, "presence_penalty", -2, 2), 0.0).floatValue(),
                    orElse(integer(body, "repeat_last_n", 0, 1 << 20), 64),
                    bias,
                    seed == null || seed.isNull() ? System.nanoTime() : seed.asLong());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(null, e.getMessage());
        }
    }

    static <T> T orElse(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
