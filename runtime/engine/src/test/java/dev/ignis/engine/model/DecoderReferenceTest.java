package dev.ignis.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ignis.engine.gguf.GgufFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's logits (F32 weights) against {@link ReferenceDecoder} on small random models of each
 * architecture: a 7-token prompt run as one batch (logits of every row compared), then 6 greedy decode steps
 * one token at a time. The error is the largest absolute logit difference over the largest reference logit.
 * Each test also shows the comparison can fail: the reference with the other rotation layout, or without the
 * rope scaling, is far outside the tolerance.
 */
class DecoderReferenceTest {

    static final double TOLERANCE = 1e-4;
    static final int[] PROMPT = {1, 17, 250, 3, 99, 42, 17};
    static final int DECODE_STEPS = 6;

    @TempDir
    Path dir;

    @Test
    void qwen2MatchesTheReference() throws IOException {
        RandomDecoder m = new RandomDecoder(RandomDecoder.Spec.qwen2(), 11);
        assertThat(compare(m, "qwen2")).isLessThan(TOLERANCE);
        assertThat(referenceGap(m, new ReferenceDecoder(m, false, true))).as("adjacent pairs instead of NeoX")
                .isGreaterThan(100 * TOLERANCE);
    }

    @Test
    void qwen3MatchesTheReference() throws IOException {
        RandomDecoder m = new RandomDecoder(RandomDecoder.Spec.qwen3(), 12);
        assertThat(compare(m, "qwen3")).isLessThan(TOLERANCE);
        assertThat(referenceGap(m, new ReferenceDecoder(m, false, true))).as("adjacent pairs instead of NeoX")
                .isGreaterThan(100 * TOLERANCE);
    }

    @Test
    void llamaMatchesTheReference() throws IOException {
        RandomDecoder m = new RandomDecoder(RandomDecoder.Spec.llama(), 13);
        assertThat(compare(m, "llama")).isLessThan(TOLERANCE);
        assertThat(referenceGap(m, new ReferenceDecoder(m, true, true))).as("NeoX pairs instead of adjacent")
                .isGreaterThan(100 * TOLERANCE);
    }

    @Test
    void llamaWithRopeFreqsTensorMatchesTheReference() throws IOException {
        RandomDecoder m = new RandomDecoder(RandomDecoder.Spec.llama().withScaling("llama3", 8, 32, true, true), 14);
        assertThat(compare(m, "llama rope_freqs + llama3 metadata")).isLessThan(TOLERANCE);
        assertThat(referenceGap(m, new ReferenceDecoder(m, false, false))).as("unscaled")
                .isGreaterThan(100 * TOLERANCE);
    }

    @Test
    void llamaWithRopeFreqsTensorOnlyMatchesTheReference() throws IOException {
        RandomDecoder m = new RandomDecoder(RandomDecoder.Spec.llama().withScaling("llama3", 8, 32, true, false), 15);
        assertThat(compare(m, "llama rope_freqs only")).isLessThan(TOLERANCE);
    }

    @Test
    void llamaWithLlama3ScalingMetadataOnlyMatchesTheReference() throws IOException {
        RandomDecoder m = new RandomDecoder(RandomDecoder.Spec.llama().withScaling("llama3", 8, 32, false, true), 16);
        assertThat(compare(m, "llama llama3 metadata only")).isLessThan(TOLERANCE);
        assertThat(referenceGap(m, new ReferenceDecoder(m, false, false))).as("unscaled")
                .isGreaterThan(100 * TOLERANCE);
    }

    @Test
    void llamaWithLinearScalingMatchesTheReference() throws IOException {
        RandomDecoder m = new RandomDecoder(RandomDecoder.Spec.llama().withScaling("linear", 4, 0, false, true), 17);
        assertThat(compare(m, "llama linear x4")).isLessThan(TOLERANCE);
        assertThat(referenceGap(m, new ReferenceDecoder(m, false, false))).as("unscaled")
                .isGreaterThan(100 * TOLERANCE);
    }

    @Test
    void unsupportedArchitectureIsRefusedByName() throws IOException {
        RandomDecoder.Spec llama = RandomDecoder.Spec.llama();
        RandomDecoder m = new RandomDecoder(new RandomDecoder.Spec("gemma2", llama.dim(), llama.hiddenDim(),
                llama.layers(), llama.heads(), llama.kvHeads(), llama.headSize(), llama.vocab(), llama.theta(), false,
                false, true, null, 0, 0, false, false), 18);
        Path file = dir.resolve("gemma2.gguf");
        m.write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertThatThrownBy(() -> ModelLoader.load(gguf)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("'gemma2'").hasMessageContaining("qwen3");
        }
    }

    @Test
    void unknownRopeScalingIsRefusedByName() throws IOException {
        RandomDecoder m = new RandomDecoder(RandomDecoder.Spec.qwen2().withScaling("yarn", 4, 32768, false, true), 19);
        Path file = dir.resolve("yarn.gguf");
        m.write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertThatThrownBy(() -> ModelLoader.load(gguf)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("qwen2.rope.scaling.type 'yarn'");
        }
    }

    /**
     * qwen2 converted to int8 (Q8_0) at load, along the F32 model's own greedy continuation of the prompt: the
     * logits' relative L2 error stays small, and wherever F32's best token leads the runner-up by a clear margin
     * (a tenth of the logits' spread) the int8 model picks the same token.
     */
    @Test
    void qwen2AtInt8KeepsTheGreedyTokens() throws IOException {
        RandomDecoder m = new RandomDecoder(RandomDecoder.Spec.qwen2(), 21);
        Path file = dir.resolve("qwen2-int8.gguf");
        m.write(file);
        int steps = 24;
        try (GgufFile gguf = GgufFile.open(file); ModelLoader.LoadedModel f32 = ModelLoader.load(gguf);
             ModelLoader.LoadedModel int8 = ModelLoader.load(gguf, Precision.INT8)) {
            int context = PROMPT.length + steps;
            KvCache refCache = f32.model().newCache(context);
            KvCache cache = int8.model().newCache(context);
            Llama.State refState = new Llama.State(f32.model().config(), context);
            Llama.State state = new Llama.State(int8.model().config(), context);
            double worst = 0;
            int agree = 0;
            int clear = 0;
            int clearAgree = 0;
            int token = PROMPT[0];
            for (int pos = 0; pos < context; pos++) {
                token = pos < PROMPT.length ? PROMPT[pos] : token;
                float[] ref = f32.model().forward(token, pos, refCache, refState);
                float[] got = int8.model().forward(token, pos, cache, state);
                double diff = 0;
                double norm = 0;
                float max = Float.NEGATIVE_INFINITY;
                float min = Float.POSITIVE_INFINITY;
                for (int i = 0; i < ref.length; i++) {
                    diff += (got[i] - ref[i]) * (double) (got[i] - ref[i]);
                    norm += ref[i] * (double) ref[i];
                    max = Math.max(max, ref[i]);
                    min = Math.min(min, ref[i]);
                }
                worst = Math.max(worst, Math.sqrt(diff / norm));
                int best = dev.ignis.engine.sampling.Greedy.argmax(ref);
                boolean same = best == dev.ignis.engine.sampling.Greedy.argmax(got);
                agree += same ? 1 : 0;
                float runnerUp = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < ref.length; i++) {
                    if (i != best) {
                        runnerUp = Math.max(runnerUp, ref[i]);
                    }
                }
                if (ref[best] - runnerUp > 0.1 * (max - min)) {
                    clear++;
                    clearAgree += same ? 1 : 0;
                }
                token = best;
            }
            System.out.printf(Locale.ROOT, "qwen2 int8 vs f32: max relative L2 logit error %.5f, greedy agreement %d/%d,"
                    + " %d/%d where the margin is clear%n", worst, agree, context, clearAgree, clear);
            assertThat(worst).isLessThan(0.04);
            assertThat(agree).isGreaterThanOrEqualTo(context * 9 / 10);
            assertThat(clear).isGreaterThanOrEqualTo(4);
            assertThat(clearAgree).isEqualTo(clear);
        }
    }

    /**
     * The thread count changes who computes, never the numbers: qwen3 run over 200 positions (long enough for
     * attention to spread its heads over the threads) with 1 and 3 threads gives identical logits.
     */
    @Test
    void logitsDoNotDependOnTheThreadCount() throws IOException {
        RandomDecoder m = new RandomDecoder(RandomDecoder.Spec.qwen3(), 22);
        assertThat(200L * m.spec.qDim()).isGreaterThan(Llama.ATTENTION_PARALLEL_THRESHOLD);
        Path file = dir.resolve("qwen3-threads.gguf");
        m.write(file);
        int context = 200;
        try (GgufFile gguf = GgufFile.open(file); ModelLoader.LoadedModel one = ModelLoader.load(gguf, null, 1);
             ModelLoader.LoadedModel three = ModelLoader.load(gguf, null, 3)) {
            assertThat(three.model().workers().threads()).isEqualTo(3);
            KvCache oneCache = one.model().newCache(context);
            KvCache threeCache = three.model().newCache(context);
            Llama.State oneState = new Llama.State(one.model().config(), context);
            Llama.State threeState = new Llama.State(three.model().config(), context);
            for (int pos = 0; pos < context; pos++) {
                int token = 3 + (pos * 37) % 290;
                assertThat(three.model().forward(token, pos, threeCache, threeState)).as("position %d", pos)
                        .containsExactly(one.model().forward(token, pos, oneCache, oneState));
            }
        }
    }

    /** Runs engine and reference side by side; returns the largest relative error over every compared position. */
    private double compare(RandomDecoder m, String label) throws IOException {
        Path file = dir.resolve(label.replaceAll("[^a-z0-9]+", "-") + ".gguf");
        m.write(file);
        try (GgufFile gguf = GgufFile.open(file); ModelLoader.LoadedModel loaded = ModelLoader.load(gguf)) {
            Llama model = loaded.model();
            assertThat(model.config().headSize()).isEqualTo(m.spec.headSize());
            ReferenceDecoder reference = new ReferenceDecoder(m);
            int context = PROMPT.length + DECODE_STEPS;
            KvCache cache = model.newCache(context);
            int n = PROMPT.length;
            int[] positions = new int[n];
            KvCache[] caches = new KvCache[n];
            float[][] logits = new float[n][m.spec.vocab()];
            for (int i = 0; i < n; i++) {
                positions[i] = i;
                caches[i] = cache;
            }
            model.forward(n, PROMPT, positions, caches, logits, new Llama.Batch(model.config(), n, context));
            double worst = 0;
            double[] expected = null;
            for (int i = 0; i < n; i++) {
                expected = reference.next(PROMPT[i]);
                worst = Math.max(worst, error(logits[i], expected));
            }
            Llama.State state = new Llama.State(model.config(), context);
            for (int pos = n; pos < context; pos++) {
                int token = argmax(expected);
                expected = reference.next(token);
                worst = Math.max(worst, error(model.forward(token, pos, cache, state), expected));
            }
            System.out.printf(Locale.ROOT, "%s: max logit error vs reference %.2e (relative to the largest logit)%n",
                    label, worst);
            return worst;
        }
    }

    /** How far another reference variant is from the true one, along the same prompt and greedy steps. */
    private static double referenceGap(RandomDecoder m, ReferenceDecoder variant) {
        ReferenceDecoder reference = new ReferenceDecoder(m);
        double worst = 0;
        double[] expected = null;
        List<Integer> tokens = new ArrayList<>();
        for (int t : PROMPT) {
            tokens.add(t);
        }
        for (int i = 0; i < PROMPT.length + DECODE_STEPS; i++) {
            if (i >= PROMPT.length) {
                tokens.add(argmax(expected));
            }
            expected = reference.next(tokens.get(i));
            double[] other = variant.next(tokens.get(i));
            float[] asFloat = new float[other.length];
            for (int j = 0; j < other.length; j++) {
                asFloat[j] = (float) other[j];
            }
            worst = Math.max(worst, error(asFloat, expected));
        }
        System.out.printf(Locale.ROOT, "%s: a wrong variant of the reference is %.2e away%n", m.spec.architecture(), worst);
        return worst;
    }

    static double error(float[] got, double[] expected) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(got[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / scale;
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
