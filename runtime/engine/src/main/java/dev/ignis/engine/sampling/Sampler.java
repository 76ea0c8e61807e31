package dev.ignis.engine.sampling;

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
        RankedTokens ids = new RankedTokens(l);
        int n = ids.size();
        if (params.topK() > 0) {
            n = Math.min(n, params.topK());
        }
        Softmax p = null; // at temperature 1, made only when a link reads it (each costs an exp per token)
        if (params.topP() < 1) {
            p = new Softmax(l, ids, n, 1f);
            double cumulative = 0;
            int keep = 0;
            while (keep < n) {
                cumulative += p.at(keep++);
                if (cumulative >= params.topP()) {
                    break;
                }
            }
            n = Math.max(1, keep);
            p = new Softmax(l, ids, n, 1f);
        }
        if (params.minP() > 0) {
            if (p == null) {
                p = new Softmax(l, ids, n, 1f);
            }
            double threshold = params.minP() * p.at(0);
            int keep = 1;
            while (keep < n && p.at(keep) >= threshold) {
                keep++;
            }
            n = keep;
        }
        float temperature = params.temperature();
        if (params.dynamicRange() > 0 && n > 1) {
            temperature = dynamicTemperature(new Softmax(l, ids, n, 1f), n);
        }
        p = new Softmax(l, ids, n, temperature);
        double r = random.nextDouble();
        double cumulative = 0;
        for (int i = 0; i < n; i++) {
            cumulative += p.at(i);
            if (r < cumulative) {
                return ids.id(i);
            }
        }
        return ids.id(n - 1);
    }

    /**
     * The distribution over the {@code n} best tokens at a temperature, read rank by rank: {@code at(i)} is
     * {@code exp(l[id(i)] / T - max) / sum}. The sum runs over the ranks in order when they are already sorted
     * (then every value is the same bits as a softmax of the sorted prefix); over every ranked token it runs in
     * id order instead, rather than sort the whole vocabulary for it (the same value to the last bits or so).
     */
    private static final class Softmax {
        private final float[] l;
        private final RankedTokens ids;
        private final float temperature;
        private final double max;
        private final double sum;

        Softmax(float[] l, RankedTokens ids, int n, float temperature) {
            this.l = l;
            this.ids = ids;
            this.temperature = temperature;
            this.max = l[ids.id(0)] / temperature;
            double s = 0;
            if (ids.isSorted(n) || n < ids.size()) {
                for (int i = 0; i < n; i++) {
                    s += Math.exp(l[ids.id(i)] / temperature - max);
                }
            } else {
                for (float v : l) { // every ranked token: the finite ones
                    if (v != Float.NEGATIVE_INFINITY) {
                        s += Math.exp(v / temperature - max);
                    }
                }
            }
            this.sum = s;
        }

        double at(int i) {
            return Math.exp(l[ids.id(i)] / temperature - max) / sum;
        }
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
    private float dynamicTemperature(Softmax p, int n) {
        double entropy = 0;
        for (int i = 0; i < n; i++) {
            double pi = p.at(i);
            if (pi > 0) {
                entropy -= pi * Math.log(pi);
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
        RankedTokens ids = new RankedTokens(logits);
        List<TokenLogprob> top = new java.util.ArrayList<>();
        for (int i = 0; i < Math.min(n, ids.size()); i++) {
            int id = ids.id(i);
            top.add(new TokenLogprob(id, (float) (logits[id] - logSum)));
        }
        return List.copyOf(top);
    }

    /** A token and its log-probability. */
    public record TokenLogprob(int token, float logprob) {
    }
}
