package dev.ignis.engine.model;

import dev.ignis.engine.tensor.Kernels;
import dev.ignis.engine.tensor.Matrix;
import dev.ignis.engine.tensor.Workers;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The forward pass of a Llama-family decoder (llama, qwen2, qwen3) for one token at one position: embedding,
 * then per layer RMS norm, Q/K/V projections (plus biases, qwen2), per-head RMS norm of q and k (qwen3),
 * rotary embedding (adjacent or NeoX pairs, see {@link Rope}), grouped-query attention over the KV cache,
 * output projection and residual, RMS norm, SwiGLU feed-forward and residual; then the final norm and the
 * classifier. Returns the logits.
 */
public final class Llama {

    /** Attention of one row spreads its heads over the workers from this many query-key products up: (pos + 1) * qDim. */
    static final long ATTENTION_PARALLEL_THRESHOLD = 1L << 14;

    private final LlamaConfig config;
    private final Weights weights;
    private final Workers workers;

    /** Every weight of the model; the optional ones are null when the architecture has none. */
    public record Weights(Matrix tokenEmbedding,          // (vocab, dim)
                          float[][] attentionNorm,         // (layer, dim)
                          Matrix[] wq,                     // (layer) (qDim, dim)
                          Matrix[] wk,                     // (layer) (kvDim, dim)
                          Matrix[] wv,                     // (layer) (kvDim, dim)
                          float[][] bq,                    // (layer, qDim) or null
                          float[][] bk,                    // (layer, kvDim) or null
                          float[][] bv,                    // (layer, kvDim) or null
                          float[][] qNorm,                 // (layer, headSize) or null: per-head RMS norm of q
                          float[][] kNorm,                 // (layer, headSize) or null: per-head RMS norm of k
                          Matrix[] wo,                     // (layer) (dim, qDim)
                          float[][] ffnNorm,               // (layer, dim)
                          Matrix[] w1,                     // (layer) (hiddenDim, dim) gate
                          Matrix[] w2,                     // (layer) (dim, hiddenDim) down
                          Matrix[] w3,                     // (layer) (hiddenDim, dim) up
                          float[] outputNorm,              // (dim)
                          Matrix classifier) {             // (vocab, dim), the embedding when tied
    }

    /** A model whose kernels run on the shared team ({@link Workers#common()}). */
    public Llama(LlamaConfig config, Weights weights) {
        this(config, weights, Workers.common());
    }

    /** A model whose matrix products and attention run on {@code workers} (not closed by the model). */
    public Llama(LlamaConfig config, Weights weights, Workers workers) {
        this.config = config;
        this.weights = weights;
        this.workers = workers;
    }

    public Workers workers() {
        return workers;
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

    /** Scratch buffers of one single-sequence forward pass. */
    public static final class State {
        final Batch batch;
        public final float[] logits; // (vocab)

        public State(LlamaConfig c, int contextSize) {
            batch = new Batch(c, 1, contextSize);
            logits = new float[c.vocabSize()];
        }
    }

    /** Scratch buffers for up to {@code capacity} rows (sequence positions) per forward pass. */
    public static final class Batch {
        final int capacity;
        final float[][] x;    // (row, dim) residual stream
        final float[][] xb;   // (row, dim)
        final float[][] xb2;  // (row, dim)
        final float[][] q;    // (row, qDim)
        final float[][] k;    // (row, kvDim)
        final float[][] v;    // (row, kvDim)
        final float[][] attOut; // (row, qDim) attention output, before the output projection
        final float[][] hb;   // (row, hiddenDim)
        final float[][] hb2;  // (row, hiddenDim)
        final float[][] att;  // (head, contextSize) attention scores
        final float[] cos;    // (headSize / 2) rotary angles of one position
        final float[] sin;    // (headSize / 2)
        final float[][] picked; // (row, dim): rows whose logits are wanted, gathered for the classifier

        public Batch(LlamaConfig c, int capacity, int contextSize) {
            this.capacity = capacity;
            x = new float[capacity][c.dim()];
            xb = new float[capacity][c.dim()];
            xb2 = new float[capacity][c.dim()];
            q = new float[capacity][c.qDim()];
            k = new float[capacity][c.kvDim()];
            v = new float[capacity][c.kvDim()];
            attOut = new float[capacity][c.qDim()];
            hb = new float[capacity][c.hiddenDim()];
            hb2 = new float[capacity][c.hiddenDim()];
            att = new float[c.heads()][contextSize];
            cos = new float[c.headSize() / 2];
            sin = new float[c.headSize() / 2];
            picked = new float[capacity][];
        }
    }

    /** One token at one position of one sequence; returns the logits (in {@code s.logits}). */
    public float[] forward(int token, int pos, KvCache cache, State s) {
        forward(1, new int[] {token}, new int[] {pos}, new KvCache[] {cache}, new float[][] {s.logits}, s.batch);
        return s.logits;
    }

    /**
     * A batch of {@code n} rows, each a token at a position of some sequence: rows may belong to different
     * sequences (decoding several together) or to the same one at consecutive positions (a prompt chunk,
     * in order). Every weight matrix is read once for the whole batch. {@code logits[i]}, when not null,
     * receives row {@code i}'s logits; the classifier runs only for those rows. A row's logits are the bits a
     * pass of that row alone gives, except in one sequence's prompt chunk of 32 rows or more, whose
     * projections take {@link Matrix#matMulPrompt} (faster, and within rounding of the token-by-token values).
     */
    public void forward(int n, int[] tokens, int[] positions, KvCache[] caches, float[][] logits, Batch b) {
        if (n < 1 || n > b.capacity) {
            throw new IllegalArgumentException("batch of " + n + " rows, capacity " + b.capacity);
        }
        LlamaConfig c = config;
        for (int i = 0; i < n; i++) {
            if (positions[i] < 0 || positions[i] >= caches[i].contextSize()) {
                throw new IllegalArgumentException("position " + positions[i] + " is outside the context of "
                        + caches[i].contextSize() + " tokens");
            }
            if (tokens[i] < 0 || tokens[i] >= c.vocabSize()) {
                throw new IllegalArgumentException("token " + tokens[i] + " is outside the vocabulary of "
                        + c.vocabSize());
            }
            if (positions[i] >= b.att[0].length) {
                throw new IllegalArgumentException("position " + positions[i] + " exceeds the batch's context");
            }
        }
        int kvDim = c.kvDim();
        // One sequence's prompt chunk may take the faster product whose rounding differs from dot's
        // (Matrix.matMulPrompt); rows of several sequences keep each row's bits independent of the batch.
        boolean prompt = true;
        for (int i = 1; i < n; i++) {
            prompt &= caches[i] == caches[0];
        }

        // Embedding
        for (int i = 0; i < n; i++) {
            weights.tokenEmbedding().row(tokens[i], b.x[i]);
        }

        for (int l = 0; l < c.layers(); l++) {
            // Attention: normalise, project every row to q, k, v (each weight read once)
            for (int i = 0; i < n; i++) {
                rmsNorm(b.xb[i], b.x[i], weights.attentionNorm()[l], c.rmsEps());
            }
            project(weights.wq()[l], b.xb, b.q, n, prompt);
            project(weights.wk()[l], b.xb, b.k, n, prompt);
            project(weights.wv()[l], b.xb, b.v, n, prompt);
            if (weights.bq() != null) {
                for (int i = 0; i < n; i++) {
                    add(b.q[i], weights.bq()[l]);
                    add(b.k[i], weights.bk()[l]);
                    add(b.v[i], weights.bv()[l]);
                }
            }

            // Per-head RMS norm of queries and keys (qwen3), before the rotation
            if (weights.qNorm() != null) {
                for (int i = 0; i < n; i++) {
                    headNorm(b.q[i], c.qDim(), weights.qNorm()[l]);
                    headNorm(b.k[i], kvDim, weights.kNorm()[l]);
                }
            }

            // Rotary position embedding, then every row's key and value into its sequence's cache
            for (int i = 0; i < n; i++) {
                c.rope().angles(positions[i], b.cos, b.sin);
                c.rope().rotate(b.q[i], c.qDim(), b.cos, b.sin);
                c.rope().rotate(b.k[i], kvDim, b.cos, b.sin);
                MemorySegment.copy(b.k[i], 0, caches[i].keys[l], ValueLayout.JAVA_FLOAT, (long) positions[i] * kvDim * Float.BYTES, kvDim);
                MemorySegment.copy(b.v[i], 0, caches[i].values[l], ValueLayout.JAVA_FLOAT, (long) positions[i] * kvDim * Float.BYTES, kvDim);
            }

            // Attention of each row over its own sequence up to its position (causal)
            for (int i = 0; i < n; i++) {
                attention(b.q[i], b.attOut[i], caches[i].keys[l], caches[i].values[l], positions[i], b.att);
            }

            // Output projection and residual
            project(weights.wo()[l], b.attOut, b.xb2, n, prompt);
            for (int i = 0; i < n; i++) {
                add(b.x[i], b.xb2[i]);
            }

            // Feed-forward: SwiGLU, w2(silu(w1 x) * w3 x), and residual
            for (int i = 0; i < n; i++) {
                rmsNorm(b.xb[i], b.x[i], weights.ffnNorm()[l], c.rmsEps());
            }
            project(weights.w1()[l], b.xb, b.hb, n, prompt);
            project(weights.w3()[l], b.xb, b.hb2, n, prompt);
            for (int i = 0; i < n; i++) {
                float[] hb = b.hb[i];
                float[] hb2 = b.hb2[i];
                for (int j = 0; j < c.hiddenDim(); j++) {
                    float g = hb[j];
                    hb[j] = g / (1f + (float) Math.exp(-g)) * hb2[j];
                }
            }
            project(weights.w2()[l], b.hb, b.xb, n, prompt);
            for (int i = 0; i < n; i++) {
                add(b.x[i], b.xb[i]);
            }
        }

        // Final norm and classifier, for the rows whose logits are wanted
        int m = 0;
        float[][] outs = new float[n][];
        for (int i = 0; i < n; i++) {
            if (logits[i] != null) {
                rmsNorm(b.x[i], b.x[i], weights.outputNorm(), c.rmsEps());
                b.picked[m] = b.x[i];
                outs[m++] = logits[i];
            }
        }
        if (m > 0) {
            weights.classifier().matMul(b.picked, outs, m, workers);
        }
    }

    /** {@code out = w · in} for the pass's {@code n} rows: {@link Matrix#matMulPrompt} for a prompt chunk. */
    private void project(Matrix w, float[][] in, float[][] out, int n, boolean prompt) {
        if (prompt) {
            w.matMulPrompt(in, out, n, workers);
        } else {
            w.matMul(in, out, n, workers);
        }
    }

    /**
     * Grouped-query attention of one row: query head h reads key/value head h / groups. Heads are independent
     * (each has its own scores buffer and output slice), so a long context spreads them over the workers.
     */
    private void attention(float[] q, float[] out, MemorySegment keys, MemorySegment values, int pos, float[][] att) {
        java.util.function.IntConsumer head = h -> attendHead(h, q, out, keys, values, pos, att[h]);
        if (workers.threads() > 1 && (long) (pos + 1) * config.qDim() >= ATTENTION_PARALLEL_THRESHOLD) {
            workers.forEach(config.heads(), head);
        } else {
            for (int h = 0; h < config.heads(); h++) {
                head.accept(h);
            }
        }
    }

    private void attendHead(int h, float[] q, float[] out, MemorySegment keys, MemorySegment values, int pos, float[] att) {
        LlamaConfig c = config;
        int headSize = c.headSize();
        int kvDim = c.kvDim();
        int groups = c.heads() / c.kvHeads();
        float scale = (float) (1.0 / Math.sqrt(headSize));
        int qOffset = h * headSize;
        int kvOffset = (h / groups) * headSize;
        for (int t = 0; t <= pos; t++) {
            att[t] = Kernels.dot(q, qOffset, keys, (long) t * kvDim + kvOffset, headSize) * scale;
        }
        softmax(att, pos + 1);
        java.util.Arrays.fill(out, qOffset, qOffset + headSize, 0f);
        for (int t = 0; t <= pos; t++) {
            Kernels.addScaled(out, qOffset, att[t], values, (long) t * kvDim + kvOffset, headSize);
        }
    }

    /** RMS norm of each {@code headSize}-wide head of {@code vec[0..width)}, with the same weight for every head. */
    private void headNorm(float[] vec, int width, float[] weight) {
        int headSize = config.headSize();
        for (int head = 0; head < width; head += headSize) {
            double ss = 0;
            for (int i = 0; i < headSize; i++) {
                ss += vec[head + i] * vec[head + i];
            }
            float inv = (float) (1.0 / Math.sqrt(ss / headSize + config.rmsEps()));
            for (int i = 0; i < headSize; i++) {
                vec[head + i] = weight[i] * (inv * vec[head + i]);
            }
        }
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
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
