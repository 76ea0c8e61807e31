package dev.ignis.engine.sampling;

import java.util.Map;

/**
 * How to choose the next token. The chain applies, in order: logit bias, repetition / frequency /
 * presence penalties over the last {@code penaltyWindow} tokens, top-k, top-p, min-p, then (dynamic)
 * temperature, and draws from what is left. A temperature of 0 (or less) means greedy.
 *
 * @param temperature      0 for greedy; otherwise logits are divided by it
 * @param dynamicRange     dynamic temperature: the temperature moves within {@code temperature ± range}
 *                         with the entropy of the candidates (0 disables it)
 * @param dynamicExponent  the exponent applied to the normalised entropy (1 is linear)
 * @param topK             keep the k most likely tokens (0 disables)
 * @param topP             keep the smallest set whose probability reaches p (1 disables)
 * @param minP             drop tokens less likely than {@code minP} times the most likely one (0 disables)
 * @param repetitionPenalty divide positive logits and multiply negative ones of recent tokens (1 disables)
 * @param frequencyPenalty subtract this times the count of each recent token (OpenAI's definition)
 * @param presencePenalty  subtract this once from every recent token
 * @param penaltyWindow    how many recent tokens the penalties look at (0: all)
 * @param logitBias        added to the logits of these tokens; {@code -Infinity} bans a token
 * @param seed             makes the draws reproducible
 */
public record SamplingParams(float temperature, float dynamicRange, float dynamicExponent, int topK, float topP,
                             float minP, float repetitionPenalty, float frequencyPenalty, float presencePenalty,
                             int penaltyWindow, Map<Integer, Float> logitBias, long seed) {

    public SamplingParams {
        check(temperature >= 0 && Float.isFinite(temperature), "temperature must be 0 or more");
        check(dynamicRange >= 0 && Float.isFinite(dynamicRange), "dynamic temperature range must be 0 or more");
        check(dynamicExponent > 0 && Float.isFinite(dynamicExponent), "dynamic temperature exponent must be positive");
        check(topK >= 0, "top_k must be 0 or more");
        check(topP > 0 && topP <= 1, "top_p must be in (0, 1]");
        check(minP >= 0 && minP <= 1, "min_p must be in [0, 1]");
        check(repetitionPenalty > 0 && Float.isFinite(repetitionPenalty), "repetition penalty must be positive");
        check(Float.isFinite(frequencyPenalty) && Float.isFinite(presencePenalty), "penalties must be finite");
        check(penaltyWindow >= 0, "penalty window must be 0 or more");
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
    }

    /** The same chain with another seed. */
    public SamplingParams withSeed(long newSeed) {
        return new SamplingParams(temperature, dynamicRange, dynamicExponent, topK, topP, minP, repetitionPenalty,
                frequencyPenalty, presencePenalty, penaltyWindow, logitBias, newSeed);
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0, 0, 1, 0, 1, 0, 1, 0, 0, 64, Map.of(), 0);
    }

    public static SamplingParams withTemperature(float temperature, long seed) {
        return new SamplingParams(temperature, 0, 1, 0, 1, 0, 1, 0, 0, 64, Map.of(), seed);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
