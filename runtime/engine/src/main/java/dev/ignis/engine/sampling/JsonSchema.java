package dev.ignis.engine.sampling;

import java.util.List;
import java.util.Set;

/**
 * The subset of JSON Schema that constrained decoding understands, already compiled: the server parses a
 * client's schema (JSON stays at the edge) and builds these values; {@link JsonGrammar} turns them into a
 * byte-level automaton. Every output the automaton admits validates against the schema it came from; the
 * automaton may admit less than the schema (object properties come in declared order, see {@link Obj}).
 */
public sealed interface JsonSchema {

    /** Any JSON value ({@code {"type": "json_object"}} asks for an {@link Obj} of these). */
    record Any() implements JsonSchema {
    }

    /**
     * An object whose declared properties appear in declared order, each at most once, required ones always.
     * Keys not declared may follow the declared ones when {@code additional} is not null, with values of
     * that schema; a key equal to a declared name is never taken as an additional one.
     */
    record Obj(List<Property> properties, Set<String> required, JsonSchema additional) implements JsonSchema {
        public Obj {
            properties = List.copyOf(properties);
            required = Set.copyOf(required);
            for (String r : required) {
                if (properties.stream().noneMatch(p -> p.name().equals(r))) {
                    throw new IllegalArgumentException("required property '" + r + "' is not among the properties");
                }
            }
        }
    }

    record Property(String name, JsonSchema schema) {
    }

    /** An array of {@code items}, with between {@code minItems} and {@code maxItems} elements. */
    record Array(JsonSchema items, int minItems, int maxItems) implements JsonSchema {
        public Array {
            if (minItems < 0 || maxItems < minItems) {
                throw new IllegalArgumentException("need 0 <= minItems <= maxItems, got " + minItems + " and " + maxItems);
            }
        }
    }

    /** A string of {@code minLength} to {@code maxLength} code points (an escape counts as the one it stands for). */
    record Str(int minLength, int maxLength) implements JsonSchema {
        public Str {
            if (minLength < 0 || maxLength < minLength) {
                throw new IllegalArgumentException("need 0 <= minLength <= maxLength, got " + minLength + " and "
                        + maxLength);
            }
        }
    }

    /** A number; with {@code integer}, written without fraction or exponent. */
    record Num(boolean integer) implements JsonSchema {
    }

    /**
     * An integer between {@code minimum} and {@code maximum} inclusive, written without fraction or exponent;
     * both within ±(10^15 - 1), the most digits {@link JsonGrammar} writes.
     */
    record IntRange(long minimum, long maximum) implements JsonSchema {
        public static final long LIMIT = 999_999_999_999_999L;

        public IntRange {
            if (minimum > maximum || minimum < -LIMIT || maximum > LIMIT) {
                throw new IllegalArgumentException("need -" + LIMIT + " <= minimum <= maximum <= " + LIMIT + ", got "
                        + minimum + " and " + maximum);
            }
        }
    }

    record Bool() implements JsonSchema {
    }

    record Null() implements JsonSchema {
    }

    /**
     * One of a fixed set of values ({@code enum}, {@code const}), each given as its compact JSON text
     * ({@code "red"} with its quotes, {@code 1}, {@code {"a":1}}); the output is one of these texts exactly.
     */
    record Literals(List<String> texts) implements JsonSchema {
        public Literals {
            texts = List.copyOf(texts);
            if (texts.isEmpty()) {
                throw new IllegalArgumentException("an enum needs at least one value");
            }
        }
    }

    /** A value valid against at least one of the choices. */
    record AnyOf(List<JsonSchema> choices) implements JsonSchema {
        public AnyOf {
            choices = List.copyOf(choices);
            if (choices.isEmpty()) {
                throw new IllegalArgumentException("anyOf needs at least one schema");
            }
        }
    }

    /** What {@code {"type": "json_object"}} allows: any object. */
    static JsonSchema anyObject() {
        return new Obj(List.of(), Set.of(), new Any());
    }
}
