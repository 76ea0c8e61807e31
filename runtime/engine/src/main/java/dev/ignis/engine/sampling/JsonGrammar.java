package dev.ignis.engine.sampling;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A byte-level recognizer of JSON text (ECMA-404) valid against a {@link JsonSchema}: a pushdown automaton
 * whose stack holds one node per open value (object, array, string, number, literal) above the node that
 * receives control when it ends. States are immutable, so testing a candidate token from the current state
 * costs nothing to undo, and a state is a set of stacks, so {@code anyOf}, enums sharing a prefix and an
 * object key that may be a declared or an additional one are followed side by side until bytes tell them
 * apart.
 *
 * <p>Deliberate limits, each keeping output valid: at most {@value #MAX_WHITESPACE} whitespace bytes in a
 * row between tokens (a model must not idle on newlines until {@code max_tokens}: compact JSON and one level
 * of two-space indentation fit), none before the top-level value; numbers have at most
 * {@value #MAX_DIGITS} digits before and after the point and {@value #MAX_EXPONENT_DIGITS} in the exponent;
 * {@code \}{@code u} escapes of surrogates are refused (strict parsers refuse unpaired ones); nothing may
 * follow the top-level value.
 */
public final class JsonGrammar {

    static final int MAX_WHITESPACE = 4;
    static final int MAX_DIGITS = 15;
    static final int MAX_EXPONENT_DIGITS = 2;

    private static final JsonSchema ANY = new JsonSchema.Any();
    private static final JsonSchema.Obj ANY_OBJECT = (JsonSchema.Obj) JsonSchema.anyObject();
    private static final JsonSchema.Array ANY_ARRAY = new JsonSchema.Array(ANY, 0, Integer.MAX_VALUE);
    private static final JsonSchema.Str ANY_STRING = new JsonSchema.Str(0, Integer.MAX_VALUE);
    private static final byte[] TRUE = bytes("true");
    private static final byte[] FALSE = bytes("false");
    private static final byte[] NULL = bytes("null");

    private final JsonSchema root;
    // Byte forms computed once per schema node: enum texts, and property names as JSON strings with quotes.
    private final Map<JsonSchema.Literals, byte[][]> literalBytes = new IdentityHashMap<>();
    private final Map<JsonSchema.Obj, byte[][]> keyBytes = new IdentityHashMap<>();
    private final Map<JsonSchema.Obj, Set<String>> keyNames = new IdentityHashMap<>();

    public JsonGrammar(JsonSchema root) {
        this.root = root;
    }

    /** The state before any byte: a value of the root schema, with no whitespace before it. */
    public State start() {
        // A Value that has used up its whitespace allowance: the output starts with the value itself.
        return new State(new Stack[] {new Stack(new Value(root, MAX_WHITESPACE), new Stack(End.INSTANCE, null))});
    }

    /** The state after one more byte, or null when no valid output begins with the bytes so far plus this one. */
    public State step(State state, int b) {
        b &= 0xFF;
        Stack[] stacks = state.stacks;
        if (stacks.length == 1) {
            List<Stack> out = new ArrayList<>(2);
            stacks[0].top.step(this, b, stacks[0].rest, out);
            return out.isEmpty() ? null : new State(out.toArray(Stack[]::new));
        }
        List<Stack> out = new ArrayList<>(stacks.length + 1);
        for (Stack s : stacks) {
            s.top.step(this, b, s.rest, out);
        }
        return out.isEmpty() ? null : new State(out.toArray(Stack[]::new));
    }

    /** The state after all these bytes, or null. */
    public State step(State state, byte[] bytes) {
        State s = state;
        for (int i = 0; i < bytes.length && s != null; i++) {
            s = step(s, bytes[i]);
        }
        return s;
    }

    /** A set of stacks, each one way the bytes so far can be read. Immutable. */
    public static final class State {
        private final Stack[] stacks;

        State(Stack[] stacks) {
            this.stacks = stacks;
        }

        /** The output so far is a complete value (ending here is valid). */
        public boolean canEnd() {
            for (Stack s : stacks) {
                if (s.top.canEnd(s.rest)) {
                    return true;
                }
            }
            return false;
        }

        /** The value is complete and no byte may follow: generation is over. */
        public boolean done() {
            for (Stack s : stacks) {
                if (s.top != End.INSTANCE) {
                    return false;
                }
            }
            return true;
        }
    }

    record Stack(Node top, Stack rest) {
    }

    /** One open value: consumes a byte, adding the stacks it leads to (none: the byte is refused). */
    interface Node {
        void step(JsonGrammar g, int b, Stack rest, List<Stack> out);

        default boolean canEnd(Stack rest) {
            return false;
        }
    }

    /** Below the top-level value: accepts nothing, and marks the end. */
    enum End implements Node {
        INSTANCE;

        @Override
        public void step(JsonGrammar g, int b, Stack rest, List<Stack> out) {
        }

        @Override
        public boolean canEnd(Stack rest) {
            return true;
        }
    }

    /** A value of {@code schema} to come, after {@code ws} whitespace bytes already read. */
    record Value(JsonSchema schema, int ws) implements Node {
        @Override
        public void step(JsonGrammar g, int b, Stack rest, List<Stack> out) {
            if (isWhitespace(b)) {
                if (ws < MAX_WHITESPACE) {
                    out.add(new Stack(new Value(schema, ws + 1), rest));
                }
                return;
            }
            g.startValue(schema, b, rest, out);
        }
    }

    /** Adds the stacks in which {@code b} is the first byte of a value of {@code schema}, followed by {@code after}. */
    void startValue(JsonSchema schema, int b, Stack after, List<Stack> out) {
        switch (schema) {
            case JsonSchema.Any a -> {
                switch (b) {
                    case '{' -> startValue(ANY_OBJECT, b, after, out);
                    case '[' -> startValue(ANY_ARRAY, b, after, out);
                    case '"' -> startValue(ANY_STRING, b, after, out);
                    case 't', 'f' -> startValue(new JsonSchema.Bool(), b, after, out);
                    case 'n' -> startValue(new JsonSchema.Null(), b, after, out);
                    default -> startNumber(false, b, after, out);
                }
            }
            case JsonSchema.Obj o -> {
                if (b == '{') {
                    out.add(new Stack(new JsonNodes.ObjectNode(o, 0, JsonNodes.ObjectNode.OPEN, null, 0), after));
                }
            }
            case JsonSchema.Array a -> {
                if (b == '[') {
                    out.add(new Stack(new JsonNodes.ArrayNode(a, 0, JsonNodes.ArrayNode.OPEN, 0), after));
                }
            }
            case JsonSchema.Str s -> {
                if (b == '"') {
                    out.add(new Stack(JsonNodes.StringNode.start(s, null), after));
                }
            }
            case JsonSchema.Num n -> startNumber(n.integer(), b, after, out);
            case JsonSchema.IntRange r -> JsonNodes.RangeNode.start(r, b, after, out);
            case JsonSchema.Bool x -> {
                if (b == 't') {
                    out.add(new Stack(new Literal(TRUE, 1), after));
                } else if (b == 'f') {
                    out.add(new Stack(new Literal(FALSE, 1), after));
                }
            }
            case JsonSchema.Null x -> {
                if (b == 'n') {
                    out.add(new Stack(new Literal(NULL, 1), after));
                }
            }
            case JsonSchema.Literals l -> {
                for (byte[] text : literalBytes.computeIfAbsent(l, k -> k.texts().stream().map(JsonGrammar::bytes)
                        .toArray(byte[][]::new))) {
                    Literal.start(text, b, after, out);
                }
            }
            case JsonSchema.AnyOf any -> {
                for (JsonSchema choice : any.choices()) {
                    startValue(choice, b, after, out);
                }
            }
        }
    }

    private static void startNumber(boolean integer, int b, Stack after, List<Stack> out) {
        if (b == '-') {
            out.add(new Stack(new JsonNodes.NumberNode(integer, JsonNodes.NumberNode.SIGN, 0), after));
        } else if (b == '0') {
            out.add(new Stack(new JsonNodes.NumberNode(integer, JsonNodes.NumberNode.ZERO, 0), after));
        } else if (b >= '1' && b <= '9') {
            out.add(new Stack(new JsonNodes.NumberNode(integer, JsonNodes.NumberNode.INT, 1), after));
        }
    }

    /** Property names of an object schema as JSON strings with their quotes, in declared order. */
    byte[][] keys(JsonSchema.Obj o) {
        return keyBytes.computeIfAbsent(o, k -> k.properties().stream()
                .map(p -> bytes(quote(p.name()))).toArray(byte[][]::new));
    }

    Set<String> names(JsonSchema.Obj o) {
        return keyNames.computeIfAbsent(o, k -> Set.copyOf(k.properties().stream().map(JsonSchema.Property::name)
                .toList()));
    }

    /** The exact bytes of a fixed text (a keyword, an enum value or a key). */
    record Literal(byte[] text, int at) implements Node {
        static void start(byte[] text, int b, Stack after, List<Stack> out) {
            if (text.length > 0 && (text[0] & 0xFF) == b) {
                out.add(text.length == 1 ? after : new Stack(new Literal(text, 1), after));
            }
        }

        @Override
        public void step(JsonGrammar g, int b, Stack rest, List<Stack> out) {
            if ((text[at] & 0xFF) == b) {
                out.add(at + 1 == text.length ? rest : new Stack(new Literal(text, at + 1), rest));
            }
        }
    }

    static boolean isWhitespace(int b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A string as compact JSON writes it: quotes, and escapes only where JSON requires them. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
