package dev.ignis.engine.sampling;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Chooses tokens by the chain of {@link SamplingParams}. One sampler per sequence: it owns the random
 * generator, seeded once, so a sequence is reproducible whatever else runs beside it.
 */
public final class Sampler {

    static final int GREEDY_PROBES = 8;

    private final SamplingParams params;
    private final RandomGenerator random;

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = RandomGeneratorFactory.of("L64X128MixRandom").create(params.seed());
    }

    /**
     * @param logits  the model's logits; not modified
     * @param history the tokens of the sequence so far (prompt and generated), for the penalties
     */
    public int sample(float[] logits, List<Integer> history) {
        return sample(logits, history, null);
    }

    /**
     * Like {@link #sample(float[], List)}, choosing only among the tokens {@code constraint} allows (null: no
     * constraint). Greedy decoding tries the best tokens one by one ({@value #GREEDY_PROBES} at most) before
     * masking the whole vocabulary; sampling masks it first, so that top-k, top-p and min-p see only allowed
     * tokens. Returns -1 when the constraint allows no token at all.
     */
    public int sample(float[] logits, List<Integer> history, JsonConstraint constraint) {
        float[] l = logits.clone();
        params.logitBias().forEach((token, bias) -> {
            if (token >= 0 && token < l.length) {
                l[token] += bias;
            }
        });
        applyPenalties(l, history);
        if (constraint != null) {
            if (params.temperature() <= 0) {
                for (int probe = 0; probe < GREEDY_PROBES; probe++) {
                    int best = Greedy.argmax(l);
                    if (l[best] == Float.NEGATIVE_INFINITY) {
                        break;
                    }
                    if (constraint.allows(best)) {
                        return best;
                    }
                    l[best] = Float.NEGATIVE_INFINITY;
                }
            }
            if (constraint.mask(l) == 0) {
                return -1;
            }
            if (allBanned(l)) {
                // Every allowed token was banned by logit_bias: the constraint wins over the bias.
                System.arraycopy(logits, 0, l, 0, l.length);
                constraint.mask(l);
            }
        }
        if (params.temperature() <= 0) {
            return Greedy.argmax(l);
        }
        int[] ids = candidates(l);
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
            temperature = dynamicTemperature(softmax(l, ids, n, 1f), n);
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

    private static boolean allBanned(float[] l) {
        for (float v : l) {
            if (v != Float.NEGATIVE_INFINITY) {
                return false;
            }
        }
        return true;
    }

    /** Entropy-scaled temperature: uniform candidates get the top of the range, a sure one the bottom. */
    private float dynamicTemperature(double[] p, int n) {
        double entropy = 0;
        for (int i = 0; i < n; i++) {
            if (p[i] > 0) {
                entropy -= p[i] * Math.log(p[i]);
            }
        }
        double normalized = entropy / Math.log(n);
        float min = Math.max(0f, params.temperature() - params.dynamicRange());
        float max = params.temperature() + params.dynamicRange();
        float t = (float) (min + (max - min) * Math.pow(normalized, params.dynamicExponent()));
        return Math.max(t, 1e-6f);
    }

    private void applyPenalties(float[] l, List<Integer> history) {
        if (params.repetitionPenalty() == 1 && params.frequencyPenalty() == 0 && params.presencePenalty() == 0) {
            return;
        }
        int from = params.penaltyWindow() == 0 ? 0 : Math.max(0, history.size() - params.penaltyWindow());
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = from; i < history.size(); i++) {
            counts.merge(history.get(i), 1, Integer::sum);
        }
        counts.forEach((token, count) -> {
            if (token < 0 || token >= l.length) {
                return;
            }
            float v = l[token];
            if (params.repetitionPenalty() != 1) {
                v = v > 0 ? v / params.repetitionPenalty() : v * params.repetitionPenalty();
            }
            l[token] = v - count * params.frequencyPenalty() - params.presencePenalty();
        });
    }

    /** Token ids sorted by logit, highest first; banned tokens (-Infinity) left out unless all are banned. */
    private static int[] candidates(float[] l) {
        Integer[] boxed = new Integer[l.length];
        for (int i = 0; i < l.length; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> Float.compare(l[b], l[a]));
        int finite = 0;
        while (finite < boxed.length && l[boxed[finite]] != Float.NEGATIVE_INFINITY) {
            finite++;
        }
        int n = Math.max(1, finite);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = boxed[i];
        }
        return ids;
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

    /** The {@code n} most likely tokens with their log-probabilities under the model's distribution. */
    public static List<TokenLogprob> topLogprobs(float[] logits, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        double logSum = max + Math.log(sum);
        int[] ids = candidates(logits);
        return Arrays.stream(ids).limit(n).mapToObj(id -> new TokenLogprob(id, (float) (logits[id] - logSum))).toList();
    }

    /** A token and its log-probability. */
    public record TokenLogprob(int token, float logprob) {
    }
}
