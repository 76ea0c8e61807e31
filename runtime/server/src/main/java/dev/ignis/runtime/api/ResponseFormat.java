package dev.ignis.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ignis.engine.sampling.JsonSchema;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code response_format}: {@code text} (no constraint), {@code json_object} (any JSON object) or
 * {@code json_schema} (a JSON value valid against the schema), compiled into the engine's
 * {@link JsonSchema}. Keywords the constraint cannot enforce are refused by name rather than ignored,
 * so a client never gets output that silently breaks its schema.
 */
final class ResponseFormat {

    static final String PARAM = "response_format";
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final int MAX_DEPTH = 32;
    /** Keywords that only describe, never constrain (definitions constrain only where a $ref uses them). */
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema",
            "$id", "$comment", "deprecated", "readOnly", "writeOnly", "$defs", "definitions");
    private static final Map<String, Set<String>> KEYWORDS = Map.of(
            "object", Set.of("properties", "required", "additionalProperties"),
            "array", Set.of("items", "minItems", "maxItems"),
            "string", Set.of("minLength", "maxLength"),
            "number", Set.of(),
            "integer", Set.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
            "boolean", Set.of(),
            "null", Set.of());

    private static final List<String> BOUNDS = List.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");

    private ResponseFormat() {
    }

    /** The schema the output must follow, or null for plain text. */
    static JsonSchema of(JsonNode body) {
        JsonNode format = body.get(PARAM);
        if (format == null || format.isNull()) {
            return null;
        }
        if (!format.isObject() || !format.path("type").isTextual()) {
            throw invalid("response_format must be an object with a type: text, json_object or json_schema");
        }
        return switch (format.get("type").asText()) {
            case "text" -> null;
            case "json_object" -> JsonSchema.anyObject();
            case "json_schema" -> jsonSchema(format.get("json_schema"));
            default -> throw invalid("response_format.type must be text, json_object or json_schema, got '"
                    + format.get("type").asText() + "'");
        };
    }

    private static JsonSchema jsonSchema(JsonNode spec) {
        if (spec == null || !spec.isObject()) {
            throw invalid("response_format.json_schema must be an object with a name and a schema");
        }
        if (!spec.path("name").isTextual() || !NAME.matcher(spec.get("name").asText()).matches()) {
            throw invalid("response_format.json_schema.name must be 1 to 64 letters, digits, '_' or '-'");
        }
        if (spec.hasNonNull("strict") && !spec.get("strict").isBoolean()) {
            throw invalid("response_format.json_schema.strict must be true or false");
        }
        JsonNode schema = spec.get("schema");
        if (schema == null || schema.isNull()) {
            return new JsonSchema.Any();
        }
        Set<String> unsupported = new LinkedHashSet<>();
        JsonSchema compiled = compile(schema, "#", 0, new Compilation(schema, unsupported, new HashSet<>()));
        if (!unsupported.isEmpty()) {
            throw invalid("response_format.json_schema.schema uses keywords that constrained output does not support: "
                    + String.join(", ", unsupported) + " (supported: type, properties, required, additionalProperties,"
                    + " items, minItems, maxItems, minLength, maxLength, integer bounds, enum, const, anyOf, $ref to"
                    + " $defs)");
        }
        return compiled;
    }

    /** The schema being compiled (for {@code $ref}), what it uses that is not supported, the refs being followed. */
    private record Compilation(JsonNode root, Set<String> unsupported, Set<String> resolving) {
    }

    /**
     * A {@code $ref} within the schema ({@code #/$defs/Pet}, any JSON pointer after {@code #}) is compiled in
     * place; a reference that leads back to itself would need a recursive automaton and is refused.
     */
    private static JsonSchema reference(JsonNode s, String at, int depth, Compilation c) {
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String keyword = it.next();
            if (!keyword.equals("$ref") && !ANNOTATIONS.contains(keyword)) {
                c.unsupported().add(keyword + " beside $ref (at " + at + ")");
            }
        }
        String ref = s.get("$ref").asText();
        JsonNode target = ref.startsWith("#") ? pointer(c.root(), ref.substring(1)) : null;
        if (target == null || target.isMissingNode()) {
            throw invalid("$ref '" + ref + "' at " + at + " does not point into this schema");
        }
        if (!c.resolving().add(ref)) {
            throw invalid("$ref '" + ref + "' at " + at + " is recursive; recursive schemas are not supported");
        }
        try {
            return compile(target, ref, depth + 1, c);
        } finally {
            c.resolving().remove(ref);
        }
    }

    private static JsonNode pointer(JsonNode root, String pointer) {
        try {
            return root.at(pointer);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Compiles one schema object; unsupported keywords are collected, with their location, in {@code c}. */
    private static JsonSchema compile(JsonNode s, String at, int depth, Compilation c) {
        if (depth > MAX_DEPTH) {
            throw invalid("the schema nests deeper than " + MAX_DEPTH + " levels at " + at);
        }
        if (s.isBoolean()) {
            if (!s.asBoolean()) {
                throw invalid("the schema at " + at + " is false: no value can satisfy it");
            }
            return new JsonSchema.Any();
        }
        if (!s.isObject()) {
            throw invalid("the schema at " + at + " must be an object");
        }
        if (s.has("$ref")) {
            return reference(s, at, depth, c);
        }
        if (s.has("anyOf")) {
            return anyOf(s, at, depth, c);
        }
        List<String> types = types(s, at);
        Set<String> allowed = new HashSet<>(ANNOTATIONS);
        allowed.addAll(List.of("type", "enum", "const"));
        for (String type : types) {
            allowed.addAll(KEYWORDS.get(type));
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String keyword = it.next();
            if (!allowed.contains(keyword) || (types.contains("number") && BOUNDS.contains(keyword))) {
                c.unsupported().add(keyword + (types.contains("number") && BOUNDS.contains(keyword)
                        ? " on a number (at " + at + "; supported on integers)" : " (at " + at + ")"));
            }
        }
        if (s.has("enum") || s.has("const")) {
            return literals(s, at, types);
        }
        List<JsonSchema> choices = new ArrayList<>();
        for (String type : types) {
            choices.add(switch (type) {
                case "object" -> object(s, at, depth, c);
                case "array" -> new JsonSchema.Array(s.has("items") ? compile(s.get("items"), at + "/items", depth + 1,
                        c) : new JsonSchema.Any(), count(s, "minItems", 0, at),
                        count(s, "maxItems", Integer.MAX_VALUE, at));
                case "string" -> new JsonSchema.Str(count(s, "minLength", 0, at), count(s, "maxLength",
                        Integer.MAX_VALUE, at));
                case "number" -> new JsonSchema.Num(false);
                case "integer" -> integer(s, at);
                case "boolean" -> new JsonSchema.Bool();
                default -> new JsonSchema.Null();
            });
        }
        if (choices.isEmpty()) {
            return new JsonSchema.Any();
        }
        try {
            return choices.size() == 1 ? choices.getFirst() : new JsonSchema.AnyOf(choices);
        } catch (IllegalArgumentException e) {
            throw invalid("the schema at " + at + ": " + e.getMessage());
        }
    }

    /** The declared types; without {@code type}, the one its keywords imply (properties: object, items: array). */
    private static List<String> types(JsonNode s, String at) {
        JsonNode type = s.get("type");
        List<String> types = new ArrayList<>();
        if (type == null) {
            if (s.has("properties") || s.has("required") || s.has("additionalProperties")) {
                types.add("object");
            } else if (s.has("items") || s.has("minItems") || s.has("maxItems")) {
                types.add("array");
            } else if (s.has("minLength") || s.has("maxLength")) {
                types.add("string");
            }
            return types;
        }
        for (JsonNode t : type.isArray() ? type : List.of(type)) {
            if (!t.isTextual() || !KEYWORDS.containsKey(t.asText())) {
                throw invalid("the schema at " + at + " has type " + t + "; types are object, array, string, number,"
                        + " integer, boolean and null");
            }
            if (!types.contains(t.asText())) {
                types.add(t.asText());
            }
        }
        if (types.isEmpty()) {
            throw invalid("the schema at " + at + " has an empty type list");
        }
        return types;
    }

    private static JsonSchema anyOf(JsonNode s, String at, int depth, Compilation c) {
        JsonNode choices = s.get("anyOf");
        if (!choices.isArray() || choices.isEmpty()) {
            throw invalid("anyOf at " + at + " must be a non-empty array of schemas");
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String keyword = it.next();
            if (!keyword.equals("anyOf") && !ANNOTATIONS.contains(keyword)) {
                c.unsupported().add(keyword + " beside anyOf (at " + at + ")");
            }
        }
        List<JsonSchema> compiled = new ArrayList<>();
        for (int i = 0; i < choices.size(); i++) {
            compiled.add(compile(choices.get(i), at + "/anyOf/" + i, depth + 1, c));
        }
        return compiled.size() == 1 ? compiled.getFirst() : new JsonSchema.AnyOf(compiled);
    }

    private static JsonSchema object(JsonNode s, String at, int depth, Compilation c) {
        JsonNode properties = s.path("properties");
        if (s.has("properties") && !properties.isObject()) {
            throw invalid("properties at " + at + " must be an object");
        }
        List<JsonSchema.Property> declared = new ArrayList<>();
        properties.fields().forEachRemaining(e -> declared.add(new JsonSchema.Property(e.getKey(),
                compile(e.getValue(), at + "/properties/" + e.getKey(), depth + 1, c))));
        Set<String> required = new HashSet<>();
        if (s.has("required")) {
            if (!s.get("required").isArray()) {
                throw invalid("required at " + at + " must be an array of property names");
            }
            for (JsonNode r : s.get("required")) {
                if (!r.isTextual() || !properties.has(r.asText())) {
                    throw invalid("required at " + at + " names " + r + ", which is not among its properties");
                }
                required.add(r.asText());
            }
        }
        JsonNode additional = s.get("additionalProperties");
        JsonSchema extra;
        if (additional == null || additional.isNull() || (additional.isBoolean() && additional.asBoolean())) {
            extra = new JsonSchema.Any();
        } else if (additional.isBoolean()) {
            extra = null;
        } else {
            extra = compile(additional, at + "/additionalProperties", depth + 1, c);
        }
        return new JsonSchema.Obj(declared, required, extra);
    }

    /** An integer, bounded when the schema gives bounds (exclusive ones move to the next integer inside). */
    private static JsonSchema integer(JsonNode s, String at) {
        if (BOUNDS.stream().noneMatch(s::has)) {
            return new JsonSchema.Num(true);
        }
        double min = -JsonSchema.IntRange.LIMIT;
        double max = JsonSchema.IntRange.LIMIT;
        for (String bound : BOUNDS) {
            JsonNode n = s.get(bound);
            if (n == null) {
                continue;
            }
            if (!n.isNumber()) {
                throw invalid(bound + " at " + at + " must be a number");
            }
            double v = n.asDouble();
            switch (bound) {
                case "minimum" -> min = Math.max(min, Math.ceil(v));
                case "exclusiveMinimum" -> min = Math.max(min, Math.floor(v) + 1);
                case "maximum" -> max = Math.min(max, Math.floor(v));
                default -> max = Math.min(max, Math.ceil(v) - 1);
            }
        }
        if (min > max) {
            throw invalid("no integer at " + at + " satisfies its bounds (within ±" + JsonSchema.IntRange.LIMIT + ")");
        }
        return new JsonSchema.IntRange((long) min, (long) max);
    }

    private static JsonSchema literals(JsonNode s, String at, List<String> types) {
        List<JsonNode> values = new ArrayList<>();
        if (s.has("const")) {
            values.add(s.get("const"));
        }
        if (s.has("enum")) {
            if (!s.get("enum").isArray() || s.get("enum").isEmpty()) {
                throw invalid("enum at " + at + " must be a non-empty array");
            }
            List<JsonNode> enumValues = new ArrayList<>();
            s.get("enum").forEach(enumValues::add);
            // With both, only the const value, and only if the enum allows it.
            values = values.isEmpty() ? enumValues : values.stream().filter(enumValues::contains).toList();
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode v : values) {
            if (!types.isEmpty() && !types.contains(typeOf(v)) && !(typeOf(v).equals("integer") && types.contains("number"))) {
                continue; // a value of another type can never validate
            }
            texts.add(v.toString());
        }
        if (texts.isEmpty()) {
            throw invalid("enum/const at " + at + " leaves no value that also has the declared type");
        }
        return new JsonSchema.Literals(texts);
    }

    private static String typeOf(JsonNode v) {
        return switch (v.getNodeType()) {
            case OBJECT -> "object";
            case ARRAY -> "array";
            case STRING -> "string";
            case NUMBER -> v.isIntegralNumber() ? "integer" : "number";
            case BOOLEAN -> "boolean";
            default -> "null";
        };
    }

    private static int count(JsonNode s, String keyword, int fallback, String at) {
        JsonNode n = s.get(keyword);
        if (n == null) {
            return fallback;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0) {
            throw invalid(keyword + " at " + at + " must be a non-negative integer");
        }
        int v = n.asInt();
        String other = keyword.startsWith("min") ? keyword.replace("min", "max") : keyword.replace("max", "min");
        if (keyword.startsWith("max") && s.has(other) && s.get(other).asInt() > v) {
            throw invalid(other + " at " + at + " is greater than " + keyword);
        }
        return v;
    }

    private static ApiException invalid(String message) {
        return ApiException.invalid(PARAM, message);
    }
}
