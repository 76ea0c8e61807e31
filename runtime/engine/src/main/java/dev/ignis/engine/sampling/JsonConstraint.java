package dev.ignis.engine.sampling;

import java.util.Arrays;

/**
 * One sequence's JSON constraint: where its output stands in the {@link JsonGrammar}, and which tokens may
 * come next. EOS is allowed only once the output is a complete value. Not thread-safe: one per sequence,
 * used by the thread that samples it.
 */
public final class JsonConstraint {

    private final JsonGrammar grammar;
    private final TokenTrie vocabulary;
    private final boolean[] allowed; // (vocab) scratch for mask()
    private JsonGrammar.State state;

    public JsonConstraint(JsonSchema schema, TokenTrie vocabulary) {
        this.grammar = new JsonGrammar(schema);
        this.vocabulary = vocabulary;
        this.allowed = new boolean[vocabulary.vocabularySize()];
        this.state = grammar.start();
    }

    /** Whether {@code token} may come next: its bytes keep the output a prefix of a valid value. */
    public boolean allows(int token) {
        if (token < 0 || token >= allowed.length) {
            return false;
        }
        if (token == vocabulary.eos()) {
            return state.canEnd();
        }
        byte[] bytes = vocabulary.bytes(token);
        return bytes.length > 0 && grammar.step(state, bytes) != null;
    }

    /**
     * Sets every logit the grammar refuses to {@code -Infinity} (one walk of the vocabulary trie); returns
     * how many tokens remain allowed.
     */
    public int mask(float[] logits) {
        Arrays.fill(allowed, false);
        int count = vocabulary.allowed(grammar, state, allowed);
        int eos = vocabulary.eos();
        if (eos >= 0 && eos < allowed.length && state.canEnd()) {
            allowed[eos] = true;
            count++;
        }
        for (int i = 0; i < logits.length; i++) {
            if (!allowed[i]) {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
        }
        return count;
    }

    /** Moves past a generated token (not EOS). */
    public void accept(int token) {
        JsonGrammar.State next = token == vocabulary.eos() ? null : grammar.step(state, vocabulary.bytes(token));
        if (next == null) {
            throw new IllegalStateException("token " + token + " does not continue the JSON output");
        }
        state = next;
    }

    /** The value is complete and nothing may follow: generation ends here. */
    public boolean done() {
        return state.done();
    }

    /** The output so far is a complete value (EOS is allowed). */
    public boolean canEnd() {
        return state.canEnd();
    }
}
