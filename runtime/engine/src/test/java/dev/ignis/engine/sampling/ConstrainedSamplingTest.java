package dev.ignis.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sampler with a JSON constraint, on a hand-made vocabulary whose favourite tokens are never valid JSON. */
class ConstrainedSamplingTest {

    // Token 0 is EOS (a control token: no bytes); the model prefers "hello" and EOS over anything JSON.
    static final String[] PIECES = {"", "hello", " ", "{", "}", "\"", "a", "\":", "1", ",", "true", "{\"a\":", ":"};
    static final int EOS = 0;

    static final Tokenizer VOCABULARY = new Tokenizer() {
        @Override
        public List<Integer> encode(String text, boolean parseSpecial) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String piece(int token) {
            return PIECES[token];
        }

        @Override
        public byte[] tokenBytes(int token) {
            return PIECES[token].getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public int vocabularySize() {
            return PIECES.length;
        }

        @Override
        public int bos() {
            return -1;
        }

        @Override
        public int eos() {
            return EOS;
        }

        @Override
        public boolean addBos() {
            return false;
        }

        @Override
        public boolean addEos() {
            return false;
        }
    };

    /** Logits ranking hello > EOS > the rest in id order > space. */
    static float[] logits() {
        float[] l = new float[PIECES.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = -i;
        }
        l[1] = 10;
        l[2] = -100;
        l[EOS] = 8;
        return l;
    }

    static String generate(Sampler sampler, JsonSchema schema, int max) {
        JsonConstraint c = new JsonConstraint(schema, new TokenTrie(VOCABULARY));
        StringBuilder out = new StringBuilder();
        List<Integer> history = new ArrayList<>();
        for (int i = 0; i < max && !c.done(); i++) {
            int token = sampler.sample(logits(), history, c);
            if (token == EOS) {
                break;
            }
            c.accept(token);
            history.add(token);
            out.append(PIECES[token]);
        }
        return out.toString();
    }

    @Test
    void greedyTakesTheBestAllowedTokenAndStopsWhenTheValueIsComplete() {
        JsonSchema schema = new JsonSchema.Obj(List.of(new JsonSchema.Property("a", new JsonSchema.Num(true))),
                java.util.Set.of("a"), null);
        // Never "hello" nor an early EOS: '{', '"', 'a', '":', '1' (not 'true': an integer), '}' (not ',': no
        // more properties), and the value is complete.
        assertThat(generate(new Sampler(SamplingParams.greedy()), schema, 50)).isEqualTo("{\"a\":1}");
    }

    @Test
    void eosIsAllowedOnlyOnceATopLevelNumberIsComplete() {
        JsonConstraint c = new JsonConstraint(new JsonSchema.Num(false), new TokenTrie(VOCABULARY));
        assertThat(c.allows(EOS)).isFalse();
        c.accept(8); // "1"
        assertThat(c.allows(EOS)).isTrue();
        assertThat(c.done()).isFalse();
        assertThat(new Sampler(SamplingParams.greedy()).sample(logits(), List.of(), c)).isEqualTo(EOS);
    }

    @Test
    void sampledOutputIsValidForEverySeedAndTopKSeesOnlyAllowedTokens() {
        JsonSchema any = new JsonSchema.Any();
        for (long seed = 0; seed < 50; seed++) {
            // top_k = 1 after masking is greedy over the allowed tokens: never "hello".
            String text = generate(new Sampler(new SamplingParams(1.5f, 0, 1, 1, 1, 0, 1, 0, 0, 64, Map.of(), seed)),
                    any, 40);
            assertThat(text).doesNotContain("hello");
            JsonGrammar g = new JsonGrammar(any);
            assertThat(g.step(g.start(), text.getBytes(StandardCharsets.UTF_8))).as(text).isNotNull();
        }
    }

    @Test
    void aConstraintThatAllowsNothingReturnsMinusOne() {
        // A string of exactly 1 code point, but the vocabulary's only string content is 'a' ... then '"':
        // after '"a' only '"' may come; ban it by bias and the constraint still wins over the bias.
        JsonSchema one = new JsonSchema.Literals(List.of("\"a\""));
        JsonConstraint c = new JsonConstraint(one, new TokenTrie(VOCABULARY));
        c.accept(5);
        c.accept(6);
        Sampler banned = new Sampler(new SamplingParams(0, 0, 1, 0, 1, 0, 1, 0, 0, 64,
                Map.of(5, Float.NEGATIVE_INFINITY), 0));
        assertThat(banned.sample(logits(), List.of(), c)).isEqualTo(5);
        c.accept(5);
        assertThat(c.done()).isTrue();
        JsonConstraint impossible = new JsonConstraint(new JsonSchema.Literals(List.of("\"z\"")),
                new TokenTrie(VOCABULARY));
        impossible.accept(5);
        assertThat(new Sampler(SamplingParams.greedy()).sample(logits(), List.of(), impossible)).isEqualTo(-1);
    }
}
