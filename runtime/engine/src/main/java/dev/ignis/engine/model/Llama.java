package dev.ignis.engine.model;

import dev.ignis.engine.tensor.Kernels;
import dev.ignis.engine.tensor.Matrix;

/**
 * The forward pass of a Llama-family decoder for one token at one position: embedding, then per layer
 * RMS norm, Q/K/V projections, rotary embedding, grouped-query attention over the KV cache, output
 * projection and residual, RMS norm, SwiGLU feed-forward and residual; then the final norm and the
 * classifier. Returns the logits.
 */
public final class Llama {

    private final LlamaConfig config;
    private final Weights weights;

    /** Every weight of the model. */
    public record Weights(Matrix tokenEmbedding,          // (vocab, dim)
                          float[][] attentionNorm,         // (layer, dim)
                          Matrix[] wq,                     // (layer) (dim, dim)
                          Matrix[] wk,                     // (layer) (kvDim, dim)
                          Matrix[] wv,                     // (layer) (kvDim, dim)
                          Matrix[] wo,                     // (layer) (dim, dim)
                          float[][] ffnNorm,               // (layer, dim)
                          Matrix[] w1,                     // (layer) (hiddenDim, dim) gate
                          Matrix[] w2,                     // (layer) (dim, hiddenDim) down
                          Matrix[] w3,                     // (layer) (hiddenDim, dim) up
                          float[] outputNorm,              // (dim)
                          Matrix classifier) {             // (vocab, dim), the embedding when tied
    }

    public Llama(LlamaConfig config, Weights weights) {
        this.config = config;
        this.weights = weights;
    }

    public LlamaConfig config() {
        return config;
    }

    public KvCache newCache(int contextSize) {
        if (contextSize < 1 || contextSize > config.contextLength()) {
            throw new IllegalArgumentException("context size must be 1 to " + config.contextLength() + ", got "
                    + contextSize);
        }
        return new KvCache(config, contextSize);
    }

    /** Scratch buffers of one forward pass; one per thread that runs the model. */
    public static final class State {
        final float[] x;       // (dim) residual stream
        final float[] xb;      // (dim)
        final float[] xb2;     // (dim)
        final float[] q;       // (dim)
        final float[] k;       // (kvDim)
        final float[] v;       // (kvDim)
        final float[] hb;      // (hiddenDim)
        final float[] hb2;     // (hiddenDim)
        final float[] att;     // (contextSize) attention scores of one head
        public final float[] logits; // (vocab)

        public State(LlamaConfig c, int contextSize) {
            x = new float[c.dim()];
            xb = new float[c.dim()];
            xb2 = new float[c.dim()];
            q = new float[c.dim()];
            k = new float[c.kvDim()];
            v = new float[c.kvDim()];
            hb = new float[c.hiddenDim()];
            hb2 = new float[c.hiddenDim()];
            att = new float[contextSize];
            logits = new float[c.vocabSize()];
        }
    }

    public float[] forward(int token, int pos, KvCache cache, State s) {
        if (pos < 0 || pos >= cache.contextSize()) {
            throw new IllegalArgumentException("position " + pos + " is outside the context of " + cache.contextSize()
                    + " tokens");
        }
        if (token < 0 || token >= config.vocabSize()) {
            throw new IllegalArgumentException("token " + token + " is outside the vocabulary of " + config.vocabSize());
        }
        LlamaConfig c = config;
        int headSize = c.headSize();
        int kvDim = c.kvDim();
        int groups = c.heads() / c.kvHeads();
        float scale = (float) (1.0 / Math.sqrt(headSize));

        // Embedding
        weights.tokenEmbedding().row(token, s.x);

        for (int l = 0; l < c.layers(); l++) {
            // Attention: normalise, project to q, k, v
            rmsNorm(s.xb, s.x, weights.attentionNorm()[l], c.rmsEps());
            weights.wq()[l].matVec(s.xb, s.q);
            weights.wk()[l].matVec(s.xb, s.k);
            weights.wv()[l].matVec(s.xb, s.v);

            // Rotary position embedding on adjacent pairs of each head of q and k
            rope(s.q, c.dim(), headSize, pos, c.ropeTheta());
            rope(s.k, kvDim, headSize, pos, c.ropeTheta());

            // Store this position's key and value
            System.arraycopy(s.k, 0, cache.keys[l], pos * kvDim, kvDim);
            System.arraycopy(s.v, 0, cache.values[l], pos * kvDim, kvDim);

            // Grouped-query attention: query head h reads key/value head h / groups
            float[] keys = cache.keys[l];
            float[] values = cache.values[l];
            for (int h = 0; h < c.heads(); h++) {
                int qOffset = h * headSize;
                int kvOffset = (h / groups) * headSize;
                for (int t = 0; t <= pos; t++) {
                    s.att[t] = Kernels.dot(s.q, qOffset, keys, t * kvDim + kvOffset, headSize) * scale;
                }
                softmax(s.att, pos + 1);
                java.util.Arrays.fill(s.xb, qOffset, qOffset + headSize, 0f);
                for (int t = 0; t <= pos; t++) {
                    float a = s.att[t];
                    int vBase = t * kvDim + kvOffset;
                    for (int i = 0; i < headSize; i++) {
                        s.xb[qOffset + i] += a * values[vBase + i];
                    }
                }
            }

            // Output projection and residual
            weights.wo()[l].matVec(s.xb, s.xb2);
            for (int i = 0; i < c.dim(); i++) {
                s.x[i] += s.xb2[i];
            }

            // Feed-forward: SwiGLU, w2(silu(w1 x) * w3 x), and residual
            rmsNorm(s.xb, s.x, weights.ffnNorm()[l], c.rmsEps());
            weights.w1()[l].matVec(s.xb, s.hb);
            weights.w3()[l].matVec(s.xb, s.hb2);
            for (int i = 0; i < c.hiddenDim(); i++) {
                float g = s.hb[i];
                s.hb[i] = g / (1f + (float) Math.exp(-g)) * s.hb2[i];
            }
            weights.w2()[l].matVec(s.hb, s.xb);
            for (int i = 0; i < c.dim(); i++) {
                s.x[i] += s.xb[i];
            }
        }

        // Final norm and classifier
        rmsNorm(s.x, s.x, weights.outputNorm(), c.rmsEps());
        weights.classifier().matVec(s.x, s.logits);
        return s.logits;
    }

    static void rmsNorm(float[] out, float[] x, float[] weight, float eps) {
        double ss = 0;
        for (float v : x) {
            ss += v * v;
        }
        float inv = (float) (1.0 / Math.sqrt(ss / x.length + eps));
        for (int i = 0; i < x.length; i++) {
            out[i] = weight[i] * (inv * x[i]);
        }
    }

    static void rope(float[] vec, int width, int headSize, int pos, float theta) {
        for (int i = 0; i < width; i += 2) {
            int headDim = i % headSize;
            double freq = 1.0 / Math.pow(theta, headDim / (double) headSize);
            double angle = pos * freq;
            float cos = (float) Math.cos(angle);
            float sin = (float) Math.sin(angle);
            float v0 = vec[i];
            float v1 = vec[i + 1];
            vec[i] = v0 * cos - v1 * sin;
            vec[i + 1] = v0 * sin + v1 * cos;
        }
    }

    static void softmax(float[] x, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[i]);
        }
        float sum = 0;
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < n; i++) {
            x[i] /= sum;
        }
    }
}
