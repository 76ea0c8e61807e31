package dev.ignis.runtime.inference;

import dev.ignis.engine.sampling.JsonSchema;
import dev.ignis.engine.sampling.SamplingParams;
import java.util.List;

/**
 * One sequence to generate: the prompt's token ids (BOS included when the model wants one), how to sample,
 * when to stop, and where the output goes.
 *
 * @param logprobs top log-probabilities to report per generated token (0: none)
 * @param cachePrompt whether a cached prefix of the prompt may be reused (false: the whole prompt is computed)
 * @param json     the JSON the output must be (the output is masked token by token and ends when the value
 *                 is complete), or null for free text
 */
public record GenerationRequest(List<Integer> prompt, SamplingParams sampling, int maxTokens, List<String> stops,
                                int logprobs, JsonSchema json, boolean cachePrompt,
                                GenerationListener listener) {

    public GenerationRequest {
        prompt = List.copyOf(prompt);
        stops = List.copyOf(stops);
    }
}
