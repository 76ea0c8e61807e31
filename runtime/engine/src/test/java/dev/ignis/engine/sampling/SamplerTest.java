package dev.ignis.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final float[] LOGITS = {1.0f, 3.0f, 2.0f, 0.5f, -1.0f};

    private static SamplingParams params(float temperature, int topK, float topP, float minP, long seed) {
        return new SamplingParams(temperature, 0, 1, topK, topP, minP, 1, 0, 0, 64, Map.of(), seed);
    }

    private static List<Integer> draw(SamplingParams p, int n) {
        Sampler s = new Sampler(p);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(s.sample(LOGITS, List.of()));
        }
        return out;
    }

    @Test
    void zeroTemperatureIsGreedy() {
        assertThat(draw(SamplingParams.greedy(), 20)).containsOnly(1);
    }

    @Test
    void sameSeedSameTokensOtherSeedOtherTokens() {
        SamplingParams a = params(1.5f, 0, 1, 0, 42);
        assertThat(draw(a, 200)).isEqualTo(draw(a, 200));
        assertThat(draw(a, 200)).isNotEqualTo(draw(params(1.5f, 0, 1, 0, 43), 200));
    }

    @Test
    void drawsFollowTheSoftmaxAtTemperatureOne() {
        int n = 100_000;
        int[] counts = new int[LOGITS.length];
        for (int t : draw(params(1, 0, 1, 0, 7), n)) {
            counts[t]++;
        }
        double sum = 0;
        for (float l : LOGITS) {
            sum += Math.exp(l);
        }
        for (int i = 0; i < LOGITS.length; i++) {
            assertThat(counts[i] / (double) n).as("token %d", i).isCloseTo(Math.exp(LOGITS[i]) / sum, within(0.01));
        }
    }

    @Test
    void topKTopPAndMinPCutTheTail() {
        assertThat(draw(params(5, 1, 1, 0, 1), 50)).containsOnly(1);
        assertThat(draw(params(5, 2, 1, 0, 1), 500)).containsOnly(1, 2).contains(1, 2);
        // softmax(LOGITS): token 1 holds ~0.61, token 2 ~0.23: top_p 0.5 keeps only token 1.
        assertThat(draw(params(1, 0, 0.5f, 0, 1), 50)).containsOnly(1);
        assertThat(draw(params(1, 0, 0.8f, 0, 1), 500)).containsOnly(1, 2).contains(2);
        // min_p 0.3: token 2 has 0.37 of token 1's probability, token 0 0.14.
        assertThat(draw(params(1, 0, 1, 0.3f, 1), 500)).containsOnly(1, 2).contains(2);
    }

    @Test
    void logitBiasBansAndForces() {
        SamplingParams ban = new SamplingParams(0, 0, 1, 0, 1, 0, 1, 0, 0, 64, Map.of(1, Float.NEGATIVE_INFINITY), 0);
        assertThat(new Sampler(ban).sample(LOGITS, List.of())).isEqualTo(2);
        SamplingParams force = new SamplingParams(2, 0, 1, 0, 1, 0, 1, 0, 0, 64, Map.of(4, 100f), 3);
        assertThat(draw(force, 50)).containsOnly(4);
    }

    @Test
    void penaltiesFollowTheirDefinitions() {
        // Repetition: token 1 (3.0) divided by 4 -> 0.75, below token 2 (2.0) and token 0 (1.0).
        SamplingParams repetition = new SamplingParams(0, 0, 1, 0, 1, 0, 4, 0, 0, 64, Map.of(), 0);
        assertThat(new Sampler(repetition).sample(LOGITS, List.of(1))).isEqualTo(2);
        // Frequency 0.6 x 2 occurrences + presence 0.1 = 1.3 off token 1: 1.7 < 2.0.
        SamplingParams frequency = new SamplingParams(0, 0, 1, 0, 1, 0, 1, 0.6f, 0.1f, 64, Map.of(), 0);
        assertThat(new Sampler(frequency).sample(LOGITS, List.of(1, 1))).isEqualTo(2);
        assertThat(new Sampler(frequency).sample(LOGITS, List.of(1))).isEqualTo(1);
        // Outside the window, history does not count.
        SamplingParams windowed = new SamplingParams(0, 0, 1, 0, 1, 0, 4, 0, 0, 2, Map.of(), 0);
        assertThat(new Sampler(windowed).sample(LOGITS, List.of(1, 3, 0))).isEqualTo(1);
    }

    @Test
    void dynamicTemperatureWithZeroRangeIsPlainTemperature() {
        SamplingParams plain = params(0.8f, 0, 1, 0, 11);
        SamplingParams dynamic = new SamplingParams(0.8f, 0, 2, 0, 1, 0, 1, 0, 0, 64, Map.of(), 11);
        assertThat(draw(dynamic, 300)).isEqualTo(draw(plain, 300));
        SamplingParams wide = new SamplingParams(0.8f, 0.7f, 1, 0, 1, 0, 1, 0, 0, 64, Map.of(), 11);
        assertThat(draw(wide, 300)).isNotEqualTo(draw(plain, 300));
    }

    @Test
    void topLogprobsAreNormalisedAndOrdered() {
        var top = Sampler.topLogprobs(LOGITS, 3);
        assertThat(top).extracting(Sampler.TokenLogprob::token).containsExactly(1, 2, 0);
        double total = 0;
        for (var t : Sampler.topLogprobs(LOGITS, LOGITS.length)) {
            total += Math.exp(t.logprob());
        }
        assertThat(total).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void invalidParametersAreRefusedByName() {
        assertThatThrownBy(() -> params(-1, 0, 1, 0, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> params(1, -1, 1, 0, 0)).hasMessageContaining("top_k");
        assertThatThrownBy(() -> params(1, 0, 0, 0, 0)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> params(1, 0, 1, 2, 0)).hasMessageContaining("min_p");
    }
}
