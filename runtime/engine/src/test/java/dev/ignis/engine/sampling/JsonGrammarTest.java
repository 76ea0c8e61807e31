package dev.ignis.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonGrammarTest {

    static final JsonSchema PERSON = new JsonSchema.Obj(List.of(
            new JsonSchema.Property("name", new JsonSchema.Str(1, 10)),
            new JsonSchema.Property("age", new JsonSchema.Num(true)),
            new JsonSchema.Property("tags", new JsonSchema.Array(new JsonSchema.Literals(List.of("\"a\"", "\"b\"")), 1, 2)),
            new JsonSchema.Property("nick", new JsonSchema.AnyOf(List.of(new JsonSchema.Str(0, 3), new JsonSchema.Null())))),
            Set.of("name", "age"), null);

    /** Whole text accepted and complete. */
    static boolean accepts(JsonSchema schema, String text) {
        JsonGrammar g = new JsonGrammar(schema);
        JsonGrammar.State s = g.step(g.start(), text.getBytes(StandardCharsets.UTF_8));
        return s != null && s.canEnd();
    }

    /** A prefix of some valid text (not necessarily complete). */
    static boolean prefix(JsonSchema schema, String text) {
        JsonGrammar g = new JsonGrammar(schema);
        return g.step(g.start(), text.getBytes(StandardCharsets.UTF_8)) != null;
    }

    @Test
    void anyJsonAcceptsEcma404Values() {
        JsonSchema any = new JsonSchema.Any();
        for (String ok : List.of("{}", "[]", "{\"a\": [1, -2.5e+10, 0, true, false, null, \"x\\u00e9\\n\"]}", "\"é😀\"",
                "[ {\"k\" : {}} ]", "-0", "1E5", "0.25", "[[],[[]]]")) {
            assertThat(accepts(any, ok)).as(ok).isTrue();
        }
        for (String bad : List.of("{,}", "[1,]", "01", "1.", "-", "tru", "{\"a\" 1}", "\"\\x\"", "\"a\nb\"", "{'a':1}",
                "[1 2]", "\"\\ud800\"", " {}", "+1", ".5", "1e", "{} {}")) {
            assertThat(accepts(any, bad)).as(bad).isFalse();
        }
        assertThat(prefix(any, "{\"a\": [1, ")).isTrue();
        assertThat(prefix(any, "\"\u00e9".substring(0, 1) + "\"")).isTrue();
    }

    @Test
    void invalidUtf8IsRefused() {
        JsonGrammar g = new JsonGrammar(new JsonSchema.Any());
        assertThat(g.step(g.start(), new byte[] {'"', (byte) 0xC0, (byte) 0x80})).isNull(); // overlong
        assertThat(g.step(g.start(), new byte[] {'"', (byte) 0xED, (byte) 0xA0})).isNull(); // surrogate
        assertThat(g.step(g.start(), new byte[] {'"', (byte) 0xE2, (byte) 0x82})).isNotNull();
        assertThat(g.step(g.start(), new byte[] {'"', (byte) 0xE2, (byte) 0x82, (byte) 0xAC, '"'}).canEnd()).isTrue();
    }

    @Test
    void objectSchemaFollowsDeclaredOrderRequiredAndLimits() {
        assertThat(accepts(PERSON, "{\"name\":\"Al\",\"age\":3}")).isTrue();
        assertThat(accepts(PERSON, "{\"name\":\"Al\",\"age\":3,\"tags\":[\"a\",\"b\"],\"nick\":null}")).isTrue();
        assertThat(accepts(PERSON, "{\"name\":\"Al\",\"age\":3,\"nick\":\"abc\"}")).isTrue();
        assertThat(accepts(PERSON, "{\"name\":\"Al\"}")).as("age is required").isFalse();
        assertThat(accepts(PERSON, "{\"age\":3,\"name\":\"Al\"}")).as("declared order").isFalse();
        assertThat(accepts(PERSON, "{\"name\":\"\",\"age\":3}")).as("minLength").isFalse();
        assertThat(prefix(PERSON, "{\"name\":\"abcdefghijk")).as("maxLength").isFalse();
        assertThat(accepts(PERSON, "{\"name\":\"Al\",\"age\":3.5}")).as("integer").isFalse();
        assertThat(accepts(PERSON, "{\"name\":\"Al\",\"age\":3,\"tags\":[]}")).as("minItems").isFalse();
        assertThat(prefix(PERSON, "{\"name\":\"Al\",\"age\":3,\"tags\":[\"a\",\"a\",")).as("maxItems").isFalse();
        assertThat(accepts(PERSON, "{\"name\":\"Al\",\"age\":3,\"tags\":[\"c\"]}")).as("enum").isFalse();
        assertThat(accepts(PERSON, "{\"name\":\"Al\",\"age\":3,\"extra\":1}")).as("no additional").isFalse();
        assertThat(accepts(PERSON, "{\"name\":\"Al\",\"age\":3,\"nick\":\"abcd\"}")).as("anyOf").isFalse();
    }

    @Test
    void additionalKeysMayNotReuseDeclaredNames() {
        JsonSchema open = new JsonSchema.Obj(List.of(new JsonSchema.Property("a", new JsonSchema.Num(true))),
                Set.of(), new JsonSchema.Bool());
        assertThat(accepts(open, "{\"a\":1,\"b\":true}")).isTrue();
        assertThat(accepts(open, "{\"b\":true,\"c\":false}")).isTrue();
        assertThat(accepts(open, "{\"a\":1,\"a\":true}")).isFalse();
        assertThat(accepts(open, "{\"b\":true,\"\\u0061\":true}")).as("escaped declared name").isFalse();
        assertThat(accepts(open, "{\"b\":1}")).isFalse();
    }

    @Test
    void completeObjectIsDoneAndTopLevelNumberOnlyMayEnd() {
        JsonGrammar g = new JsonGrammar(JsonSchema.anyObject());
        JsonGrammar.State s = g.step(g.start(), "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        assertThat(s.done()).isTrue();
        assertThat(g.step(s, ' ')).isNull();
        JsonGrammar n = new JsonGrammar(new JsonSchema.Num(false));
        JsonGrammar.State twelve = n.step(n.start(), "12".getBytes(StandardCharsets.UTF_8));
        assertThat(twelve.canEnd()).isTrue();
        assertThat(twelve.done()).isFalse();
        assertThat(n.step(twelve, '3')).isNotNull();
    }

    @Test
    void boundedIntegersRefuseADigitOnceNoValueInRangeCanFollow() {
        JsonSchema age = new JsonSchema.IntRange(0, 120);
        for (String ok : List.of("0", "7", "99", "120", "-0")) {
            assertThat(accepts(age, ok)).as(ok).isTrue();
        }
        for (String bad : List.of("121", "200", "-1", "00", "1.5", "1000")) {
            assertThat(accepts(age, bad)).as(bad).isFalse();
        }
        assertThat(prefix(age, "12")).isTrue();
        assertThat(prefix(age, "13")).as("130..139 and 13 itself: 13 fits").isTrue();
        assertThat(prefix(age, "130")).isFalse();
        assertThat(prefix(age, "-")).as("-0").isTrue();
        JsonSchema negative = new JsonSchema.IntRange(-50, -10);
        assertThat(accepts(negative, "-10")).isTrue();
        assertThat(accepts(negative, "-5")).isFalse();
        assertThat(prefix(negative, "-5")).as("-50").isTrue();
        assertThat(prefix(negative, "-6")).isFalse();
        assertThat(prefix(negative, "1")).isFalse();
        JsonSchema big = new JsonSchema.IntRange(1_000, 1_000_000);
        assertThat(prefix(big, "9")).as("9000").isTrue();
        assertThat(accepts(big, "9")).isFalse();
        assertThat(accepts(new JsonSchema.Array(big, 0, 3), "[5000, 999]")).isFalse();
        assertThat(accepts(new JsonSchema.Array(big, 0, 3), "[5000,1000000]")).isTrue();
    }

    /** Random walks inside a bounded integer always reach a value in range. */
    @Test
    void randomWalksInABoundedIntegerNeverDeadEnd() {
        SplittableRandom random = new SplittableRandom(5);
        for (long[] r : new long[][] {{0, 120}, {-50, -10}, {1000, 1000000}, {-3, 3}, {17, 17}}) {
            JsonSchema array = new JsonSchema.Array(new JsonSchema.IntRange(r[0], r[1]), 1, 1);
            JsonGrammar g = new JsonGrammar(array);
            for (int walk = 0; walk < 200; walk++) {
                JsonGrammar.State s = g.start();
                StringBuilder text = new StringBuilder();
                while (!s.done()) {
                    List<Integer> options = new ArrayList<>();
                    for (int b : "[0123456789-],".chars().toArray()) {
                        if (g.step(s, b) != null) {
                            options.add(b);
                        }
                    }
                    assertThat(options).as("dead end after %s", text).isNotEmpty();
                    int b = options.get(random.nextInt(options.size()));
                    s = g.step(s, b);
                    text.append((char) b);
                }
                long v = Long.parseLong(text.substring(1, text.length() - 1));
                assertThat(v).as(text.toString()).isBetween(r[0], r[1]);
            }
        }
    }

    @Test
    void whitespaceRunsAreBounded() {
        assertThat(prefix(new JsonSchema.Any(), "[" + " ".repeat(JsonGrammar.MAX_WHITESPACE))).isTrue();
        assertThat(prefix(new JsonSchema.Any(), "[" + " ".repeat(JsonGrammar.MAX_WHITESPACE + 1))).isFalse();
    }

    /** Random walks over allowed bytes never reach a dead end, and most finish as complete values. */
    @Test
    void randomWalksThatFinishAreCompleteValues() {
        SplittableRandom random = new SplittableRandom(3);
        JsonGrammar g = new JsonGrammar(PERSON);
        int finished = 0;
        for (int walk = 0; walk < 300; walk++) {
            JsonGrammar.State s = g.start();
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 200 && !s.done(); i++) {
                List<Integer> options = new ArrayList<>();
                for (int b = 0x20; b < 0x7F; b++) {
                    if (g.step(s, b) != null) {
                        options.add(b);
                    }
                }
                assertThat(options).as("dead end after %s", text).isNotEmpty();
                int b = options.get(random.nextInt(options.size()));
                s = g.step(s, b);
                text.append((char) b);
            }
            if (s.done()) {
                finished++;
                assertThat(accepts(PERSON, text.toString())).isTrue();
                assertThat(text.toString()).startsWith("{").contains("\"name\"", "\"age\"").endsWith("}");
            }
        }
        assertThat(finished).isGreaterThan(100);
    }
}
