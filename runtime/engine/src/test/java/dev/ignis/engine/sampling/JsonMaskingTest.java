package dev.ignis.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.tokenizer.TestTokenizers;
import dev.ignis.engine.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Token masking on a real 151,665-token vocabulary (Qwen2 family): the trie walk allows exactly the tokens
 * that a token-by-token check allows, and its cost per generated token is measured (printed).
 */
class JsonMaskingTest {

    @Test
    void maskAgreesWithTokenByTokenChecksAndIsMeasured() throws Exception {
        Tokenizer qwen = TestTokenizers.qwen();
        long t0 = System.nanoTime();
        TokenTrie trie = new TokenTrie(qwen);
        double buildMs = (System.nanoTime() - t0) / 1e6;
        SplittableRandom random = new SplittableRandom(11);
        float[] logits = new float[qwen.vocabularySize()];
        long maskNanos = 0;
        int masks = 0;
        int completed = 0;
        for (int run = 0; run < 6; run++) {
            JsonConstraint c = new JsonConstraint(JsonGrammarTest.PERSON, trie);
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            for (int step = 0; step < 60 && !c.done(); step++) {
                java.util.Arrays.fill(logits, 0f);
                long start = System.nanoTime();
                int allowed = c.mask(logits);
                maskNanos += System.nanoTime() - start;
                masks++;
                assertThat(allowed).isPositive();
                List<Integer> ids = new ArrayList<>();
                for (int id = 0; id < logits.length; id++) {
                    boolean ok = logits[id] != Float.NEGATIVE_INFINITY;
                    if (ok) {
                        ids.add(id);
                    }
                    if (ok || id % 97 == run) {
                        assertThat(c.allows(id)).as("token %d after %s", id, text).isEqualTo(ok);
                    }
                }
                int token = ids.get(random.nextInt(ids.size()));
                if (token == qwen.eos()) {
                    break;
                }
                c.accept(token);
                text.writeBytes(qwen.tokenBytes(token));
            }
            if (c.done()) {
                completed++;
                assertThat(JsonGrammarTest.accepts(JsonGrammarTest.PERSON, text.toString(StandardCharsets.UTF_8))).isTrue();
            }
        }
        // Greedy: the best token by logit is checked first; on random logits most probes fail, so this is the slow case.
        JsonConstraint c = new JsonConstraint(new JsonSchema.Any(), trie);
        Sampler greedy = new Sampler(SamplingParams.greedy());
        long greedyNanos = 0;
        for (int i = 0; i < 50; i++) {
            for (int id = 0; id < logits.length; id++) {
                logits[id] = (float) random.nextGaussian();
            }
            long start = System.nanoTime();
            int token = greedy.sample(logits, List.of(), c);
            greedyNanos += System.nanoTime() - start;
            assertThat(c.allows(token)).isTrue();
        }
        System.out.printf("JSON masking, %d-token vocabulary: trie of %d nodes built in %.0f ms;"
                        + " full mask %.2f ms per token (mean of %d); greedy with probes %.2f ms per token"
                        + " (random logits, mean of 50); %d of 6 random walks completed%n",
                qwen.vocabularySize(), trie.nodeCount(), buildMs, maskNanos / 1e6 / masks, masks, greedyNanos / 1e6 / 50,
                completed);
        assertThat(completed).isPositive();
    }
}
