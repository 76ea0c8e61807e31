package dev.ignis.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.gguf.SharedModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The BERT encoder against onnxruntime's embeddings in {@code golden.json}: all-MiniLM-L6-v2 (F32, mean
 * pooling) per component within 1e-5; bge-small-en-v1.5 (Q8_0 weights, so an approximation of the FP32
 * reference; CLS pooling) by cosine. Prints the figures engine.md quotes.
 */
class BertGoldenTest {

    @Test
    void miniLmMatchesGoldenWithin1e5() throws Exception {
        try (GgufFile file = GgufFile.open(SharedModels.file("embeddings/all-MiniLM-L6-v2/all-MiniLM-L6-v2-f32.gguf"));
             ModelLoader.LoadedEncoder encoder = ModelLoader.loadEncoder(file, null)) {
            assertThat(encoder.model().config().pooling()).isEqualTo(BertConfig.Pooling.MEAN);
            assertThat(encoder.model().config().layers()).isEqualTo(6);
            List<EmbeddingGolden> golden = EmbeddingGolden.of("all-MiniLM-L6-v2");
            float[][] actual = embedAll(encoder, golden);
            double maxDiff = 0;
            for (int s = 0; s < golden.size(); s++) {
                float[] expected = golden.get(s).embedding();
                assertThat(actual[s]).hasSize(expected.length);
                for (int i = 0; i < expected.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(actual[s][i] - expected[i]));
                }
            }
            System.out.printf(Locale.ROOT, "all-MiniLM-L6-v2 (F32): max abs diff vs golden %.3g, min cosine %.7f%n",
                    maxDiff, minCosine(actual, golden));
            assertThat(maxDiff).isLessThanOrEqualTo(1e-5);
            throughput("all-MiniLM-L6-v2", encoder, golden);
        }
    }

    @Test
    void bgeQ8_0MatchesGoldenByCosine() throws Exception {
        try (GgufFile file = GgufFile.open(SharedModels.file("embeddings/bge-small-en-v1.5/bge-small-en-v1.5-q8_0.gguf"));
             ModelLoader.LoadedEncoder encoder = ModelLoader.loadEncoder(file, null)) {
            assertThat(encoder.model().config().pooling()).isEqualTo(BertConfig.Pooling.CLS);
            assertThat(encoder.model().config().layers()).isEqualTo(12);
            List<EmbeddingGolden> golden = EmbeddingGolden.of("bge-small-en-v1.5");
            float[][] actual = embedAll(encoder, golden);
            double maxDiff = 0;
            for (int s = 0; s < golden.size(); s++) {
                for (int i = 0; i < actual[s].length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(actual[s][i] - golden.get(s).embedding()[i]));
                }
            }
            double minCosine = minCosine(actual, golden);
            System.out.printf(Locale.ROOT, "bge-small-en-v1.5 (Q8_0): max abs diff vs golden %.3g, min cosine %.7f%n",
                    maxDiff, minCosine);
            assertThat(minCosine).isGreaterThanOrEqualTo(0.9999);
            throughput("bge-small-en-v1.5", encoder, golden);
        }
    }

    @Test
    void sequencesEmbeddedTogetherEqualEachAlone() throws Exception {
        try (GgufFile file = GgufFile.open(SharedModels.file("embeddings/all-MiniLM-L6-v2/all-MiniLM-L6-v2-f32.gguf"));
             ModelLoader.LoadedEncoder encoder = ModelLoader.loadEncoder(file, null)) {
            List<EmbeddingGolden> golden = EmbeddingGolden.of("all-MiniLM-L6-v2");
            float[][] together = embedAll(encoder, golden);
            for (int s = 0; s < golden.size(); s++) {
                float[] alone = encoder.model().embed(golden.get(s).ids().stream().mapToInt(Integer::intValue).toArray());
                assertThat(alone).as(golden.get(s).text()).containsExactly(together[s]);
            }
            // Norm 1, and more passes than one when the rows exceed a pass: same values as one pass
            int[] long1 = new int[400];
            java.util.Arrays.fill(long1, 7592);
            long1[0] = 101;
            long1[399] = 102;
            List<int[]> many = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                many.add(long1);
            }
            float[][] passes = encoder.model().embed(many);
            float[] single = encoder.model().embed(long1);
            double norm = 0;
            for (float f : single) {
                norm += f * f;
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
            for (float[] e : passes) {
                assertThat(e).containsExactly(single);
            }
        }
    }

    @Test
    void aSequenceLongerThanTheContextIsRefused() throws Exception {
        try (GgufFile file = GgufFile.open(SharedModels.file("embeddings/all-MiniLM-L6-v2/all-MiniLM-L6-v2-f32.gguf"));
             ModelLoader.LoadedEncoder encoder = ModelLoader.loadEncoder(file, null)) {
            assertThat(encoder.model().config().contextLength()).isEqualTo(512);
            assertThatThrownBy(() -> encoder.model().embed(new int[513])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("513 tokens").hasMessageContaining("at most 512");
            assertThatThrownBy(() -> encoder.model().embed(new int[] {101, 30522, 102}))
                    .hasMessageContaining("outside the vocabulary");
            assertThatThrownBy(() -> ModelLoader.load(file)).hasMessageContaining("loadEncoder");
        }
    }

    @Test
    void geluFollowsErf() {
        // erf(1/√2) = 0.682689492137086; gelu(1) = 0.841344746, gelu(-1) = -0.158655254
        assertThat((double) Bert.gelu(1f)).isCloseTo(0.8413447460685429, org.assertj.core.data.Offset.offset(1e-7));
        assertThat((double) Bert.gelu(-1f)).isCloseTo(-0.15865525393145707, org.assertj.core.data.Offset.offset(1e-7));
        assertThat((double) Bert.gelu(-6f)).isCloseTo(-5.9205e-9, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Bert.gelu(0f)).isZero();
    }

    private static float[][] embedAll(ModelLoader.LoadedEncoder encoder, List<EmbeddingGolden> golden) {
        List<int[]> sequences = new ArrayList<>();
        for (EmbeddingGolden g : golden) {
            List<Integer> ids = encoder.tokenizer().encodeForEmbedding(g.text());
            assertThat(ids).as(g.text()).isEqualTo(g.ids());
            sequences.add(ids.stream().mapToInt(Integer::intValue).toArray());
        }
        return encoder.model().embed(sequences);
    }

    private static double minCosine(float[][] actual, List<EmbeddingGolden> golden) {
        double min = 1;
        for (int s = 0; s < golden.size(); s++) {
            float[] a = actual[s];
            float[] b = golden.get(s).embedding();
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int i = 0; i < a.length; i++) {
                dot += (double) a[i] * b[i];
                na += (double) a[i] * a[i];
                nb += (double) b[i] * b[i];
            }
            min = Math.min(min, dot / Math.sqrt(na * nb));
        }
        return min;
    }

    /** Tokenizing and embedding the 10 golden sentences in one call, best of 5 after 3 warm-up rounds. */
    private static void throughput(String name, ModelLoader.LoadedEncoder encoder, List<EmbeddingGolden> golden) {
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 8; round++) {
            long start = System.nanoTime();
            List<int[]> sequences = new ArrayList<>();
            for (EmbeddingGolden g : golden) {
                sequences.add(encoder.tokenizer().encodeForEmbedding(g.text()).stream().mapToInt(Integer::intValue)
                        .toArray());
            }
            encoder.model().embed(sequences);
            if (round >= 3) {
                best = Math.min(best, System.nanoTime() - start);
            }
        }
        System.out.printf(Locale.ROOT, "%s: %d sentences in %.2f ms, %.0f embeddings/s (%d threads)%n", name,
                golden.size(), best / 1e6, golden.size() / (best / 1e9), Runtime.getRuntime().availableProcessors());
    }
}
