package dev.ignis.runtime.inference;

import java.util.List;

/** Receives a sequence's output on the inference thread: keep it quick, never block. */
public interface GenerationListener {

    /** New text (never part of a stop string), with the tokens that produced it and their log-probabilities. */
    void text(String delta, List<TokenOutput> tokens);

    /**
     * The end: {@code stop} (EOS, a stop string, or complete JSON), {@code length} (max tokens or context), or
     * {@code cancelled}; {@code cachedTokens} of the prompt were taken from a cached prefix, not computed.
     */
    void done(String finishReason, int promptTokens, int cachedTokens, int completionTokens);

    /** A failure inside the engine; the message is safe to show. */
    void failed(String message);

    /** A generated token, its text, its log-probability and the top alternatives (when asked for). */
    record TokenOutput(int token, String text, float logprob, List<Alternative> top) {
    }

    record Alternative(int token, String text, float logprob) {
    }
}
