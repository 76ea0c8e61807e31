package dev.ignis.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.gguf.SharedModels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batching changes how often weights are read, never the numbers; except that one sequence's prompt chunk
 * of 32 tokens or more takes the outer-product product ({@code Matrix.matMulPrompt}), which rounds
 * differently and is held to the token-by-token logits within rounding.
 */
class BatchedForwardTest {

    static GgufFile file;
    static ModelLoader.LoadedModel loaded;

    @BeforeAll
    static void load() throws IOException {
        file = GgufFile.open(SharedModels.file("stories260K/stories260K.gguf"));
        loaded = ModelLoader.load(file);
    }

    @AfterAll
    static void close() {
        loaded.close();
        file.close();
    }

    private static List<Integer> tokens(String text) {
        List<Integer> t = new ArrayList<>();
        t.add(loaded.tokenizer().bos());
        t.addAll(loaded.tokenizer().encode(text));
        return t;
    }

    @Test
    void sequencesDecodedTogetherEqualEachDecodedAlone() {
        Llama model = loaded.model();
        List<List<Integer>> seqs = List.of(tokens("Once upon a time there was"), tokens("Zoo"),
                tokens("The little dog ran to the park"));
        int ctx = 64;
        // Alone: every position's logits of every sequence.
        List<List<float[]>> alone = new ArrayList<>();
        for (List<Integer> seq : seqs) {
            KvCache cache = model.newCache(ctx);
            Llama.State state = new Llama.State(model.config(), ctx);
            List<float[]> logits = new ArrayList<>();
            for (int pos = 0; pos < seq.size(); pos++) {
                logits.add(model.forward(seq.get(pos), pos, cache, state).clone());
            }
            alone.add(logits);
        }
        // Together: one batch per step holding the next position of every sequence that still has one.
        KvCache[] caches = {model.newCache(ctx), model.newCache(ctx), model.newCache(ctx)};
        Llama.Batch batch = new Llama.Batch(model.config(), 3, ctx);
        int longest = seqs.stream().mapToInt(List::size).max().orElseThrow();
        for (int pos = 0; pos < longest; pos++) {
            int n = 0;
            int[] tokens = new int[3];
            int[] positions = new int[3];
            KvCache[] rowCaches = new KvCache[3];
            float[][] logits = new float[3][];
            int[] which = new int[3];
            for (int s = 0; s < 3; s++) {
                if (pos < seqs.get(s).size()) {
                    tokens[n] = seqs.get(s).get(pos);
                    positions[n] = pos;
                    rowCaches[n] = caches[s];
                    logits[n] = new float[model.config().vocabSize()];
                    which[n++] = s;
                }
            }
            model.forward(n, tokens, positions, rowCaches, logits, batch);
            for (int i = 0; i < n; i++) {
                assertThat(logits[i]).as("sequence %d position %d", which[i], pos)
                        .containsExactly(alone.get(which[i]).get(pos));
            }
        }
    }

    @Test
    void aPromptChunkEqualsTokenByToken() {
        Llama model = loaded.model();
        List<Integer> seq = tokens("Once upon a time there was a little girl");
        int ctx = 64;
        KvCache one = model.newCache(ctx);
        Llama.State state = new Llama.State(model.config(), ctx);
        float[] last = null;
        for (int pos = 0; pos < seq.size(); pos++) {
            last = model.forward(seq.get(pos), pos, one, state).clone();
        }
        KvCache chunked = model.newCache(ctx);
        Llama.Batch batch = new Llama.Batch(model.config(), seq.size(), ctx);
        int n = seq.size();
        int[] tokens = seq.stream().mapToInt(Integer::intValue).toArray();
        int[] positions = new int[n];
        KvCache[] caches = new KvCache[n];
        float[][] logits = new float[n][];
        for (int i = 0; i < n; i++) {
            positions[i] = i;
            caches[i] = chunked;
        }
        logits[n - 1] = new float[model.config().vocabSize()];
        model.forward(n, tokens, positions, caches, logits, batch);
        assertThat(logits[n - 1]).containsExactly(last);
    }

    /**
     * A prompt chunk of 32 tokens or more goes through {@code Gemm}: the logits of its last row match the
     * token-by-token ones within float rounding (1e-4 of the largest logit; stories260K's sums have 64 to
     * 512 terms) and pick the same next token; and splitting the prompt into two chunks of 32 or more changes
     * no bit (each pair is one sequential sum, whatever chunk its row is in).
     */
    @Test
    void aLongPromptChunkMatchesTokenByTokenWithinRounding() {
        Llama model = loaded.model();
        List<Integer> seq = tokens("Once upon a time there was a little girl named Lily. She loved to play outside in the"
                + " park with her friends. One day, she saw a big red ball under a tree and ran to get it. Her mom"
                + " smiled and said it was time to go home.");
        assertThat(seq.size()).isGreaterThanOrEqualTo(64);
        int n = seq.size();
        int ctx = n + 1;
        KvCache one = model.newCache(ctx);
        Llama.State state = new Llama.State(model.config(), ctx);
        float[] last = null;
        for (int pos = 0; pos < n; pos++) {
            last = model.forward(seq.get(pos), pos, one, state).clone();
        }
        float[] whole = prefill(model, seq, ctx, n);
        float[] split = prefill(model, seq, ctx, 32);
        assertThat(split).containsExactly(whole);
        float largest = 0;
        for (float v : last) {
            largest = Math.max(largest, Math.abs(v));
        }
        for (int i = 0; i < last.length; i++) {
            assertThat(whole[i]).as("logit %d", i).isCloseTo(last[i], org.assertj.core.data.Offset.offset(1e-4f * largest));
        }
        assertThat(argmax(whole)).isEqualTo(argmax(last));
    }

    /** The last position's logits after feeding {@code seq} in two passes: {@code [0, first)}, then the rest. */
    private static float[] prefill(Llama model, List<Integer> seq, int ctx, int first) {
        KvCache cache = model.newCache(ctx);
        Llama.Batch batch = new Llama.Batch(model.config(), seq.size(), ctx);
        float[] logits = new float[model.config().vocabSize()];
        for (int from = 0; from < seq.size(); from = from == 0 ? first : seq.size()) {
            int n = from == 0 ? first : seq.size() - from;
            int[] tokens = new int[n];
            int[] positions = new int[n];
            KvCache[] caches = new KvCache[n];
            float[][] out = new float[n][];
            for (int i = 0; i < n; i++) {
                tokens[i] = seq.get(from + i);
                positions[i] = from + i;
                caches[i] = cache;
            }
            if (from + n == seq.size()) {
                out[n - 1] = logits;
            }
            model.forward(n, tokens, positions, caches, out, batch);
        }
        return logits;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
