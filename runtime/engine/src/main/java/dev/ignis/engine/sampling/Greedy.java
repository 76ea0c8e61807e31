package dev.ignis.engine.sampling;

/** Greedy sampling: the token with the highest logit (the lowest id on ties). */
public final class Greedy {

    private Greedy() {
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
