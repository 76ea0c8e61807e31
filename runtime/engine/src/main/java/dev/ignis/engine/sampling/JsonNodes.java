package dev.ignis.engine.sampling;

import dev.ignis.engine.sampling.JsonGrammar.Node;
import dev.ignis.engine.sampling.JsonGrammar.Stack;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** The automaton's nodes for the values that nest or run on: objects, arrays, strings and numbers. */
final class JsonNodes {

    private JsonNodes() {
    }

    /**
     * An open object. {@code next} is the first declared property that may still come (properties come in
     * declared order); {@code pending} is the schema of the value whose key was just read.
     */
    record ObjectNode(JsonSchema.Obj schema, int next, int phase, JsonSchema pending, int ws) implements Node {
        static final int OPEN = 0;        // after '{': a key or '}'
        static final int KEY_DONE = 1;    // after a key: ':'
        static final int AFTER_VALUE = 2; // ',' or '}'
        static final int COMMA = 3;       // after ',': a key

        @Override
        public void step(JsonGrammar g, int b, Stack rest, List<Stack> out) {
            if (JsonGrammar.isWhitespace(b)) {
                if (ws < JsonGrammar.MAX_WHITESPACE) {
                    out.add(new Stack(new ObjectNode(schema, next, phase, pending, ws + 1), rest));
                }
                return;
            }
            switch (phase) {
                case OPEN, COMMA -> {
                    if (b == '"') {
                        startKey(g, rest, out);
                    } else if (b == '}' && phase == OPEN && restOptional()) {
                        out.add(rest);
                    }
                }
                case KEY_DONE -> {
                    if (b == ':') {
                        out.add(new Stack(new JsonGrammar.Value(pending, 0),
                                new Stack(new ObjectNode(schema, next, AFTER_VALUE, null, 0), rest)));
                    }
                }
                default -> {
                    if (b == '}' && restOptional()) {
                        out.add(rest);
                    } else if (b == ',' && (next < schema.properties().size() || schema.additional() != null)) {
                        out.add(new Stack(new ObjectNode(schema, next, COMMA, null, 0), rest));
                    }
                }
            }
        }

        /** Every declared property from {@code next} on may be left out. */
        private boolean restOptional() {
            List<JsonSchema.Property> properties = schema.properties();
            for (int i = next; i < properties.size(); i++) {
                if (schema.required().contains(properties.get(i).name())) {
                    return false;
                }
            }
            return true;
        }

        /** After the opening quote of a key: each declared property that may come next, or an additional key. */
        private void startKey(JsonGrammar g, Stack rest, List<Stack> out) {
            List<JsonSchema.Property> properties = schema.properties();
            byte[][] keys = g.keys(schema);
            for (int i = next; i < properties.size(); i++) {
                JsonSchema.Property p = properties.get(i);
                out.add(new Stack(new JsonGrammar.Literal(keys[i], 1),
                        new Stack(new ObjectNode(schema, i + 1, KEY_DONE, p.schema(), 0), rest)));
                if (schema.required().contains(p.name())) {
                    return;
                }
            }
            if (schema.additional() != null) {
                Set<String> declared = g.names(schema);
                out.add(new Stack(StringNode.start(new JsonSchema.Str(0, Integer.MAX_VALUE),
                        declared.isEmpty() ? null : declared),
                        new Stack(new ObjectNode(schema, properties.size(), KEY_DONE, schema.additional(), 0), rest)));
            }
        }
    }

    /** An open array holding {@code count} values so far. */
    record ArrayNode(JsonSchema.Array schema, int count, int phase, int ws) implements Node {
        static final int OPEN = 0;        // after '[': a value or ']'
        static final int AFTER_VALUE = 1; // ',' or ']'
        static final int COMMA = 2;       // after ',': a value

        @Override
        public void step(JsonGrammar g, int b, Stack rest, List<Stack> out) {
            if (JsonGrammar.isWhitespace(b)) {
                if (ws < JsonGrammar.MAX_WHITESPACE) {
                    out.add(new Stack(new ArrayNode(schema, count, phase, ws + 1), rest));
                }
                return;
            }
            if (phase == AFTER_VALUE) {
                if (b == ']' && count >= schema.minItems()) {
                    out.add(rest);
                } else if (b == ',' && count < schema.maxItems()) {
                    out.add(new Stack(new ArrayNode(schema, count, COMMA, 0), rest));
                }
                return;
            }
            if (b == ']' && phase == OPEN && schema.minItems() == 0) {
                out.add(rest);
            } else if (count < schema.maxItems()) {
                g.startValue(schema.items(), b, new Stack(new ArrayNode(schema, count + 1, AFTER_VALUE, 0), rest), out);
            }
        }
    }

    /**
     * Inside a string, after its opening quote: {@code count} code points so far; in {@code NORMAL} mode
     * {@code more} UTF-8 continuation bytes are still due, the next in {@code lo..hi}; in {@code HEX} mode
     * {@code more} hex digits of a {@code \}{@code u} escape are due and {@code acc} holds the ones read.
     * A key that must not be one of {@code forbidden} keeps its decoded bytes in {@code key}.
     */
    record StringNode(JsonSchema.Str limits, int count, int mode, int acc, int more, int lo, int hi, byte[] key,
                      Set<String> forbidden) implements Node {
        static final int NORMAL = 0;
        static final int ESCAPE = 1;
        static final int HEX = 2;

        static StringNode start(JsonSchema.Str limits, Set<String> forbidden) {
            return new StringNode(limits, 0, NORMAL, 0, 0, 0, 0, forbidden == null ? null : new byte[0], forbidden);
        }

        @Override
        public void step(JsonGrammar g, int b, Stack rest, List<Stack> out) {
            StringNode next = switch (mode) {
                case ESCAPE -> escape(b);
                case HEX -> hex(b);
                default -> more > 0 ? continuation(b) : normal(b, rest, out);
            };
            if (next != null) {
                out.add(new Stack(next, rest));
            }
        }

        private StringNode normal(int b, Stack rest, List<Stack> out) {
            if (b == '"') {
                if (count >= limits.minLength()
                        && (forbidden == null || !forbidden.contains(new String(key, StandardCharsets.UTF_8)))) {
                    out.add(rest);
                }
                return null;
            }
            if (b < 0x20 || count >= limits.maxLength()) {
                return null;
            }
            if (b == '\\') {
                return new StringNode(limits, count + 1, ESCAPE, 0, 0, 0, 0, key, forbidden);
            }
            if (b < 0x80) {
                return new StringNode(limits, count + 1, NORMAL, 0, 0, 0, 0, append(key, b), forbidden);
            }
            // UTF-8 lead bytes, with the ranges that exclude overlong forms, surrogates and code points past U+10FFFF.
            int n;
            int low = 0x80;
            int high = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                n = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                n = 2;
                low = b == 0xE0 ? 0xA0 : 0x80;
                high = b == 0xED ? 0x9F : 0xBF;
            } else if (b >= 0xF0 && b <= 0xF4) {
                n = 3;
                low = b == 0xF0 ? 0x90 : 0x80;
                high = b == 0xF4 ? 0x8F : 0xBF;
            } else {
                return null;
            }
            return new StringNode(limits, count + 1, NORMAL, 0, n, low, high, append(key, b), forbidden);
        }

        private StringNode continuation(int b) {
            if (b < lo || b > hi) {
                return null;
            }
            return new StringNode(limits, count, NORMAL, 0, more - 1, 0x80, 0xBF, append(key, b), forbidden);
        }

        private StringNode escape(int b) {
            int decoded = switch (b) {
                case '"', '\\', '/' -> b;
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> -1;
                default -> -2;
            };
            if (decoded == -2) {
                return null;
            }
            if (decoded == -1) {
                return new StringNode(limits, count, HEX, 0, 4, 0, 0, key, forbidden);
            }
            return new StringNode(limits, count, NORMAL, 0, 0, 0, 0, append(key, decoded), forbidden);
        }

        private StringNode hex(int b) {
            int digit = Character.digit(b, 16);
            if (digit < 0 || b > 'f') {
                return null;
            }
            int value = acc * 16 + digit;
            if (more == 3 && value >= 0xD8 && value <= 0xDF) {
                return null; // a surrogate: refused at its second digit, so no escape is left without an ending
            }
            if (more > 1) {
                return new StringNode(limits, count, HEX, value, more - 1, 0, 0, key, forbidden);
            }
            byte[] k = key == null ? null : appendAll(key, new String(Character.toChars(value))
                    .getBytes(StandardCharsets.UTF_8));
            return new StringNode(limits, count, NORMAL, 0, 0, 0, 0, k, forbidden);
        }

        private static byte[] append(byte[] key, int b) {
            if (key == null) {
                return null;
            }
            byte[] k = Arrays.copyOf(key, key.length + 1);
            k[key.length] = (byte) b;
            return k;
        }

        private static byte[] appendAll(byte[] key, byte[] more) {
            byte[] k = Arrays.copyOf(key, key.length + more.length);
            System.arraycopy(more, 0, k, key.length, more.length);
            return k;
        }
    }

    /**
     * Inside a number ({@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}); {@code digits} counts
     * the current run. A number has no end mark: the first byte that cannot continue it ends it, and that
     * byte goes to the node below.
     */
    record NumberNode(boolean integer, int phase, int digits) implements Node {
        static final int SIGN = 0;
        static final int ZERO = 1;
        static final int INT = 2;
        static final int DOT = 3;
        static final int FRAC = 4;
        static final int E = 5;
        static final int E_SIGN = 6;
        static final int EXP = 7;

        @Override
        public void step(JsonGrammar g, int b, Stack rest, List<Stack> out) {
            boolean digit = b >= '0' && b <= '9';
            NumberNode next = switch (phase) {
                case SIGN -> b == '0' ? at(ZERO, 0) : digit ? at(INT, 1) : null;
                case ZERO -> fractionOrExponent(b);
                case INT -> digit ? (digits < JsonGrammar.MAX_DIGITS ? at(INT, digits + 1) : null) : fractionOrExponent(b);
                case DOT -> digit ? at(FRAC, 1) : null;
                case FRAC -> digit ? (digits < JsonGrammar.MAX_DIGITS ? at(FRAC, digits + 1) : null)
                        : b == 'e' || b == 'E' ? at(E, 0) : null;
                case E -> b == '+' || b == '-' ? at(E_SIGN, 0) : digit ? at(EXP, 1) : null;
                case E_SIGN -> digit ? at(EXP, 1) : null;
                default -> digit && digits < JsonGrammar.MAX_EXPONENT_DIGITS ? at(EXP, digits + 1) : null;
            };
            if (next != null) {
                out.add(new Stack(next, rest));
            } else if (complete() && !digit) {
                rest.top().step(g, b, rest.rest(), out);
            }
        }

        private NumberNode fractionOrExponent(int b) {
            if (integer) {
                return null;
            }
            return b == '.' ? at(DOT, 0) : b == 'e' || b == 'E' ? at(E, 0) : null;
        }

        private NumberNode at(int phase, int digits) {
            return new NumberNode(integer, phase, digits);
        }

        private boolean complete() {
            return phase == ZERO || phase == INT || phase == FRAC || phase == EXP;
        }

        @Override
        public boolean canEnd(Stack rest) {
            return complete() && rest.top().canEnd(rest.rest());
        }
    }

    /**
     * An integer that must end up within {@code range}: a digit is refused as soon as no integer with the
     * digits so far (and at most {@value JsonGrammar#MAX_DIGITS} digits in all) lies in the range, so the
     * output can always still be completed. {@code digits} is 0 right after the minus sign.
     */
    record RangeNode(JsonSchema.IntRange range, boolean negative, long magnitude, int digits) implements Node {
        static void start(JsonSchema.IntRange range, int b, Stack after, List<Stack> out) {
            RangeNode first = b == '-' ? new RangeNode(range, true, 0, 0)
                    : b >= '0' && b <= '9' ? new RangeNode(range, false, b - '0', 1) : null;
            if (first != null && first.feasible()) {
                out.add(new Stack(first, after));
            }
        }

        @Override
        public void step(JsonGrammar g, int b, Stack rest, List<Stack> out) {
            boolean digit = b >= '0' && b <= '9';
            boolean leadingZero = digits == 1 && magnitude == 0;
            if (digit && !leadingZero && digits < JsonGrammar.MAX_DIGITS) {
                RangeNode next = new RangeNode(range, negative, magnitude * 10 + (b - '0'), digits + 1);
                if (next.feasible()) {
                    out.add(new Stack(next, rest));
                }
            } else if (!digit && complete()) {
                rest.top().step(g, b, rest.rest(), out);
            }
        }

        private long value() {
            return negative ? -magnitude : magnitude;
        }

        private boolean complete() {
            return digits > 0 && value() >= range.minimum() && value() <= range.maximum();
        }

        /** Some integer written with these first digits, and at most MAX_DIGITS digits in all, is in range. */
        private boolean feasible() {
            if (digits == 0) {
                return range.minimum() <= 0; // "-" then "0" (-0 is 0) or any negative number
            }
            if (digits == 1 && magnitude == 0) {
                return range.minimum() <= 0 && range.maximum() >= 0;
            }
            long scale = 1;
            for (int more = 0; digits + more <= JsonGrammar.MAX_DIGITS; more++) {
                long low = magnitude * scale;
                long high = low + scale - 1;
                long min = negative ? -high : low;
                long max = negative ? -low : high;
                if (max >= range.minimum() && min <= range.maximum()) {
                    return true;
                }
                scale *= 10;
            }
            return false;
        }

        @Override
        public boolean canEnd(Stack rest) {
            return complete() && rest.top().canEnd(rest.rest());
        }
    }
}
