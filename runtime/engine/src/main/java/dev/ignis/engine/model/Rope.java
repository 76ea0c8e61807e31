package dev.ignis.engine.model;

/**
 * Rotary position embedding of one head of {@code headSize} values: pair {@code i} (of {@code headSize / 2})
 * turns by {@code pos * freq[i]} radians, {@code freq[i] = theta^(-2i / headSize)}, then scaled.
 * Which two values form pair {@code i} is the {@link Layout}: the same rotation, a different memory order,
 * matching how each architecture's checkpoint arranges the q and k projection rows.
 */
public final class Rope {

    /** Which two values of a head rotate together. */
    public enum Layout {
        /** Pair {@code i} is {@code (2i, 2i + 1)}: llama.cpp's "normal" rope, GGUF {@code llama} (whose converter permutes q/k rows for it). */
        ADJACENT,
        /** Pair {@code i} is {@code (i, i + headSize / 2)}: GPT-NeoX and Hugging Face's {@code rotate_half}, used by Qwen2 and Qwen3. */
        NEOX
    }

    private final Layout layout;
    private final int headSize;
    private final double[] frequencies; // (headSize / 2) radians per position, after scaling
    private final double positionScale;  // 1 / linear factor, else 1
    private final RopeScaling scaling;

    /**
     * @param frequencyFactors per pair, divides the frequency ({@code rope_freqs.weight}); null when the file has
     *                         none. When present it already is the Llama 3 scaling, which is then not applied again.
     */
    public Rope(Layout layout, int headSize, double theta, float[] frequencyFactors, RopeScaling scaling) {
        if (headSize % 2 != 0) {
            throw new IllegalArgumentException("rope needs an even head size, got " + headSize);
        }
        if (frequencyFactors != null && frequencyFactors.length != headSize / 2) {
            throw new IllegalArgumentException("rope frequency factors have " + frequencyFactors.length
                    + " values, expected " + headSize / 2);
        }
        this.layout = layout;
        this.headSize = headSize;
        this.scaling = scaling;
        this.frequencies = new double[headSize / 2];
        for (int i = 0; i < headSize / 2; i++) {
            double freq = Math.pow(theta, -2.0 * i / headSize);
            if (frequencyFactors != null) {
                freq /= frequencyFactors[i];
            } else if (scaling instanceof RopeScaling.Llama3 llama3) {
                freq = llama3.scale(freq);
            }
            frequencies[i] = freq;
        }
        this.positionScale = scaling instanceof RopeScaling.Linear linear ? 1 / linear.factor() : 1;
    }

    public Layout layout() {
        return layout;
    }

    public RopeScaling scaling() {
        return scaling;
    }

    /** The cosines and sines of every pair's angle at {@code pos}, into {@code cos} and {@code sin} (headSize / 2). */
    void angles(int pos, float[] cos, float[] sin) {
        for (int i = 0; i < frequencies.length; i++) {
            double angle = pos * positionScale * frequencies[i];
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
    }

    /** Rotates every head of {@code vec[0..width)} by the angles {@link #angles} computed. */
    void rotate(float[] vec, int width, float[] cos, float[] sin) {
        int half = headSize / 2;
        for (int head = 0; head < width; head += headSize) {
            for (int i = 0; i < half; i++) {
                int a = layout == Layout.ADJACENT ? head + 2 * i : head + i;
                int b = layout == Layout.ADJACENT ? a + 1 : a + half;
                float v0 = vec[a];
                float v1 = vec[b];
                vec[a] = v0 * cos[i] - v1 * sin[i];
                vec[b] = v0 * sin[i] + v1 * cos[i];
            }
        }
    }
}
