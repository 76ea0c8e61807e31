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

/** Batching changes how often weights are read, never the numbers. */
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
}
