package dev.ignis.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

/**
 * The sampler ranks only the tokens it reads ({@link RankedTokens}). Checked against the way it worked before:
 * every id sorted by a comparator, the chain run over the sorted array ({@link #reference}, kept here as the
 * specification), on random logits of small and real vocabulary sizes with ties, -0.0, banned tokens and
 * every link of the chain. The run prints the time per token of both on a 128k vocabulary.
 */
class RankedSamplingTest {

    @Test
    void rankingEqualsAComparatorSortAsFarAsItIsRead() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            float[] l = logits(random, 1 + random.nextInt(round < 100 ? 40 : 5000));
            Integer[] boxed = new Integer[l.length];
            for (int i = 0; i < l.length; i++) {
                boxed[i] = i;
            }
            Arrays.sort(boxed, (a, b) -> Float.compare(l[b], l[a]));
            long finite = Arrays.stream(boxed).filter(i -> l[i] != Float.NEGATIVE_INFINITY).count();
            RankedTokens ranked = new RankedTokens(l);
            assertThat(ranked.size()).isEqualTo(finite == 0 ? 1 : (int) finite);
            // Read in a random order of prefix lengths: each read must see the comparator's order.
            int reads = 1 + random.nextInt(ranked.size());
            for (int i = 0; i < reads; i++) {
                int rank = random.nextInt(ranked.size());
                assertThat(ranked.id(rank)).as("rank %d of %d", rank, l.length).isEqualTo(boxed[rank]);
            }
        }
    }

    @Test
    void everyLinkOfTheChainChoosesWhatTheSortedChainChose() {
        Random random = new Random(11);
        int draws = 0;
        for (int round = 0; round < 400; round++) {
            int vocab = round % 4 == 0 ? 32000 + random.nextInt(1000) : 1 + random.nextInt(3000);
            float[] l = logits(random, vocab);
            SamplingParams p = new SamplingParams(0.2f + random.nextFloat() * 1.5f,
                    random.nextInt(4) == 0 ? random.nextFloat() : 0, 0.5f + random.nextFloat() * 2,
                    random.nextInt(3) == 0 ? 1 + random.nextInt(100) : 0,
                    random.nextInt(2) == 0 ? 0.05f + random.nextFloat() * 0.95f : 1,
                    random.nextInt(3) == 0 ? random.nextFloat() * 0.3f : 0, 1, 0, 0, 64, Map.of(), random.nextLong());
            Sampler sampler = new Sampler(p);
            RandomGenerator reference = RandomGeneratorFactory.of("L64X128MixRandom").create(p.seed());
            for (int i = 0; i < 8; i++) {
                assertThat(sampler.sample(l, List.of())).as("round %d draw %d, %s", round, i, p)
                        .isEqualTo(reference(l, p, reference));
                draws++;
            }
        }
        assertThat(draws).isEqualTo(3200);
    }

    @Test
    void timePerTokenOnA128kVocabulary() {
        Random random = new Random(3);
        float[] l = new float[128256];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) (random.nextGaussian() * 3);
        }
        for (SamplingParams p : List.of(SamplingParams.withTemperature(0.8f, 1),
                new SamplingParams(0.8f, 0, 1, 40, 0.95f, 0.05f, 1, 0, 0, 64, Map.of(), 1))) {
            Sampler sampler = new Sampler(p);
            RandomGenerator reference = RandomGeneratorFactory.of("L64X128MixRandom").create(p.seed());
            long ranked = Long.MAX_VALUE;
            long sorted = Long.MAX_VALUE;
            for (int round = 0; round < 5; round++) {
                long t = System.nanoTime();
                for (int i = 0; i < 10; i++) {
                    sampler.sample(l, List.of());
                }
                ranked = Math.min(ranked, (System.nanoTime() - t) / 10);
                t = System.nanoTime();
                for (int i = 0; i < 10; i++) {
                    reference(l, p, reference);
                }
                sorted = Math.min(sorted, (System.nanoTime() - t) / 10);
            }
            System.out.printf("128256 tokens, temperature %.1f, top_k %d, top_p %.2f, min_p %.2f: %.2f ms per token"
                    + " (sorting every id: %.2f ms)%n", p.temperature(), p.topK(), p.topP(), p.minP(), ranked / 1e6,
                    sorted / 1e6);
        }
    }

    private static float[] logits(Random random, int n) {
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = switch (random.nextInt(20)) {
                case 0 -> Float.NEGATIVE_INFINITY;
                case 1 -> -0.0f;
                case 2 -> 0.0f;
                case 3 -> i > 0 ? l[random.nextInt(i)] : 1f; // a tie
                default -> (float) (random.nextGaussian() * 4);
            };
        }
        if (random.nextInt(50) == 0) {
            Arrays.fill(l, Float.NEGATIVE_INFINITY); // everything banned
        }
        return l;
    }

    /** The chain as it ran before {@link RankedTokens}: every id sorted, then the same steps. */
    static int reference(float[] l, SamplingParams params, RandomGenerator random) {
        Integer[] boxed = new Integer[l.length];
        for (int i = 0; i < l.length; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> Float.compare(l[b], l[a]));
        int finite = 0;
        while (finite < boxed.length && l[boxed[finite]] != Float.NEGATIVE_INFINITY) {
            finite++;
        }
        int[] ids = new int[Math.max(1, finite)];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = boxed[i];
        }
        int n = ids.length;
        if (params.topK() > 0) {
            n = Math.min(n, params.topK());
        }
        double[] p = softmax(l, ids, n, 1f);
        if (params.topP() < 1) {
            double cumulative = 0;
            int keep = 0;
            while (keep < n) {
                cumulative += p[keep++];
                if (cumulative >= params.topP()) {
                    break;
                }
            }
            n = Math.max(1, keep);
            p = softmax(l, ids, n, 1f);
        }
        if (params.minP() > 0) {
            double threshold = params.minP() * p[0];
            int keep = 1;
            while (keep < n && p[keep] >= threshold) {
                keep++;
            }
            n = keep;
        }
        float temperature = params.temperature();
        if (params.dynamicRange() > 0 && n > 1) {
            double[] q = softmax(l, ids, n, 1f);
            double entropy = 0;
            for (int i = 0; i < n; i++) {
                if (q[i] > 0) {
                    entropy -= q[i] * Math.log(q[i]);
                }
            }
            double normalized = entropy / Math.log(n);
            float min = Math.max(0f, params.temperature() - params.dynamicRange());
            float max = params.temperature() + params.dynamicRange();
            temperature = Math.max((float) (min + (max - min) * Math.pow(normalized, params.dynamicExponent())), 1e-6f);
        }
        p = softmax(l, ids, n, temperature);
        double r = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < n; i++) {
            cumulative += p[i];
            if (r < cumulative) {
                return ids[i];
            }
        }
        return ids[n - 1];
    }

    private static double[] softmax(float[] l, int[] ids, int n, float temperature) {
        double[] p = new double[n];
        double max = l[ids[0]] / temperature;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(l[ids[i]] / temperature - max);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
