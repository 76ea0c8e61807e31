package dev.ignis.engine.model;

import dev.ignis.engine.tensor.Kernels;
import dev.ignis.engine.tensor.Matrix;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The forward pass of a BERT-family encoder, for embeddings: token, position and token-type embeddings
 * summed and normalised; per layer, bidirectional multi-head self-attention with biases, output projection,
 * residual and layer norm, then a GELU feed-forward, residual and layer norm (post-norm, as BERT); then the
 * token vectors are pooled (mean or [CLS]) and L2-normalised.
 *
 * <p>Several sequences run in one pass: their tokens are the rows of one matrix, so every weight matrix is
 * read once for all of them, while attention stays within each sequence. The model holds no state between
 * calls, so any number of threads may call {@link #embed} at once.
 */
public final class Bert {

    /** Token rows per forward pass; more sequences are split across passes (a longer one runs alone). */
    static final int PASS_ROWS = 2048;
    /** Activation rows per matrix multiplication, so that a tile of them stays in cache across weight rows. */
    private static final int TILE_ROWS = 64;
    /** Attention below this many multiply-adds runs on the calling thread. */
    private static final long PARALLEL_ATTENTION = 1L << 16;

    private final BertConfig config;
    private final Weights weights;

    /** Every weight of the model. */
    public record Weights(Matrix tokenEmbedding,      // (vocab, dim)
                          Matrix positionEmbedding,   // (contextLength, dim)
                          Matrix tokenTypeEmbedding,  // (tokenTypes, dim)
                          float[] embeddingNormWeight, // (dim)
                          float[] embeddingNormBias,   // (dim)
                          Layer[] layers) {            // (layer)
    }

    /** One transformer block. */
    public record Layer(Matrix wq, float[] bq,                 // (dim, dim), (dim)
                        Matrix wk, float[] bk,                 // (dim, dim), (dim)
                        Matrix wv, float[] bv,                 // (dim, dim), (dim)
                        Matrix wo, float[] bo,                 // (dim, dim), (dim)
                        float[] attentionNormWeight,           // (dim)
                        float[] attentionNormBias,             // (dim)
                        Matrix up, float[] upBias,             // (hiddenDim, dim), (hiddenDim)
                        Matrix down, float[] downBias,         // (dim, hiddenDim), (dim)
                        float[] outputNormWeight,              // (dim)
                        float[] outputNormBias) {              // (dim)
    }

    public Bert(BertConfig config, Weights weights) {
        if (weights.layers().length != config.layers()) {
            throw new IllegalArgumentException(weights.layers().length + " layers of weights for " + config.layers());
        }
        this.config = config;
        this.weights = weights;
    }

    public BertConfig config() {
        return config;
    }

    /**
     * One L2-normalised embedding per sequence of token ids (each as the tokenizer gives it for embedding,
     * with [CLS] and [SEP]).
     *
     * @throws IllegalArgumentException when a sequence is empty, longer than the context, or has a token
     *                                  outside the vocabulary
     */
    public float[][] embed(List<int[]> sequences) {
        for (int s = 0; s < sequences.size(); s++) {
            int[] tokens = sequences.get(s);
            if (tokens.length == 0) {
                throw new IllegalArgumentException("sequence " + s + " is empty");
            }
            if (tokens.length > config.contextLength()) {
                throw new IllegalArgumentException("sequence " + s + " has " + tokens.length
                        + " tokens; this model reads at most " + config.contextLength());
            }
            for (int token : tokens) {
                if (token < 0 || token >= config.vocabSize()) {
                    throw new IllegalArgumentException("token " + token + " of sequence " + s
                            + " is outside the vocabulary of " + config.vocabSize());
                }
            }
        }
        float[][] out = new float[sequences.size()][];
        int first = 0;
        while (first < sequences.size()) {
            int end = first;
            int rows = 0;
            while (end < sequences.size() && (end == first || rows + sequences.get(end).length <= PASS_ROWS)) {
                rows += sequences.get(end++).length;
            }
            float[][] pooled = forward(sequences.subList(first, end), rows);
            System.arraycopy(pooled, 0, out, first, pooled.length);
            first = end;
        }
        return out;
    }

    /** One embedding of a single sequence. */
    public float[] embed(int[] tokens) {
        return embed(List.of(tokens))[0];
    }

    /** A pass over {@code rows} token rows: the sequences laid one after another. */
    private float[][] forward(List<int[]> sequences, int rows) {
        BertConfig c = config;
        int[] starts = new int[sequences.size() + 1];
        for (int s = 0; s < sequences.size(); s++) {
            starts[s + 1] = starts[s] + sequences.get(s).length;
        }
        float[][] x = new float[rows][c.dim()];          // (row, dim) residual stream
        float[][] q = new float[rows][c.dim()];          // (row, dim)
        float[][] k = new float[rows][c.dim()];          // (row, dim)
        float[][] v = new float[rows][c.dim()];          // (row, dim)
        float[][] att = new float[rows][c.dim()];        // (row, dim) attention output, before projection
        float[][] proj = new float[rows][c.dim()];       // (row, dim) projections added to the residual
        float[][] hidden = new float[rows][c.hiddenDim()]; // (row, hiddenDim)

        // Embeddings: token + position + token type 0 (one segment), then layer norm
        float[] type0 = new float[c.dim()];
        weights.tokenTypeEmbedding().row(0, type0);
        float[] position = new float[c.dim()];
        for (int s = 0; s < sequences.size(); s++) {
            int[] tokens = sequences.get(s);
            for (int p = 0; p < tokens.length; p++) {
                float[] row = x[starts[s] + p];
                weights.tokenEmbedding().row(tokens[p], row);
                weights.positionEmbedding().row(p, position);
                for (int i = 0; i < c.dim(); i++) {
                    row[i] += position[i] + type0[i];
                }
                layerNorm(row, weights.embeddingNormWeight(), weights.embeddingNormBias(), c.layerNormEps());
            }
        }

        for (Layer l : weights.layers()) {
            // Self-attention: q, k, v for every row (each weight read once per tile), attention per sequence
            matMul(l.wq(), l.bq(), x, q, rows);
            matMul(l.wk(), l.bk(), x, k, rows);
            matMul(l.wv(), l.bv(), x, v, rows);
            attention(q, k, v, att, starts);

            // Output projection, residual, layer norm
            matMul(l.wo(), l.bo(), att, proj, rows);
            for (int r = 0; r < rows; r++) {
                addInPlace(x[r], proj[r]);
                layerNorm(x[r], l.attentionNormWeight(), l.attentionNormBias(), c.layerNormEps());
            }

            // Feed-forward with GELU, residual, layer norm
            matMul(l.up(), l.upBias(), x, hidden, rows);
            for (int r = 0; r < rows; r++) {
                float[] h = hidden[r];
                for (int i = 0; i < h.length; i++) {
                    h[i] = gelu(h[i]);
                }
            }
            matMul(l.down(), l.downBias(), hidden, proj, rows);
            for (int r = 0; r < rows; r++) {
                addInPlace(x[r], proj[r]);
                layerNorm(x[r], l.outputNormWeight(), l.outputNormBias(), c.layerNormEps());
            }
        }

        // Pooling, then L2 normalisation
        float[][] out = new float[sequences.size()][];
        for (int s = 0; s < sequences.size(); s++) {
            float[] e = new float[c.dim()];
            if (c.pooling() == BertConfig.Pooling.CLS) {
                System.arraycopy(x[starts[s]], 0, e, 0, c.dim());
            } else {
                double[] sum = new double[c.dim()];
                for (int r = starts[s]; r < starts[s + 1]; r++) {
                    for (int i = 0; i < c.dim(); i++) {
                        sum[i] += x[r][i];
                    }
                }
                int n = starts[s + 1] - starts[s];
                for (int i = 0; i < c.dim(); i++) {
                    e[i] = (float) (sum[i] / n);
                }
            }
            normalize(e);
            out[s] = e;
        }
        return out;
    }

    /** {@code out[r] = w · in[r] + bias} for the first {@code rows} rows, in tiles of {@link #TILE_ROWS}. */
    private static void matMul(Matrix w, float[] bias, float[][] in, float[][] out, int rows) {
        for (int from = 0; from < rows; from += TILE_ROWS) {
            int n = Math.min(TILE_ROWS, rows - from);
            if (from == 0 && n == rows) {
                w.matMul(in, out, n);
            } else {
                w.matMul(java.util.Arrays.copyOfRange(in, from, from + n), java.util.Arrays.copyOfRange(out, from, from + n), n);
            }
        }
        for (int r = 0; r < rows; r++) {
            addInPlace(out[r], bias);
        }
    }

    /**
     * Bidirectional scaled dot-product attention of every head, each row attending to every row of its own
     * sequence; (sequence, head) pairs run in parallel when there is enough work.
     */
    private void attention(float[][] q, float[][] k, float[][] v, float[][] out, int[] starts) {
        int heads = config.heads();
        int hs = config.headSize();
        float scale = (float) (1 / Math.sqrt(hs));
        int sequences = starts.length - 1;
        long work = 0;
        for (int s = 0; s < sequences; s++) {
            long n = starts[s + 1] - starts[s];
            work += n * n * config.dim();
        }
        IntStream tasks = IntStream.range(0, sequences * heads);
        (work < PARALLEL_ATTENTION ? tasks : tasks.parallel()).forEach(task -> {
            int s = task / heads;
            int offset = (task % heads) * hs;
            int start = starts[s];
            int n = starts[s + 1] - start;
            float[] scores = new float[n]; // (n) one query's weights over its sequence
            for (int i = start; i < start + n; i++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    scores[j] = Kernels.dot(q[i], offset, k[start + j], offset, hs) * scale;
                    max = Math.max(max, scores[j]);
                }
                float sum = 0;
                for (int j = 0; j < n; j++) {
                    scores[j] = (float) Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                float[] o = out[i];
                java.util.Arrays.fill(o, offset, offset + hs, 0f);
                for (int j = 0; j < n; j++) {
                    float a = scores[j] / sum;
                    float[] vj = v[start + j];
                    for (int d = 0; d < hs; d++) {
                        o[offset + d] += a * vj[offset + d];
                    }
                }
            }
        });
    }

    private static void addInPlace(float[] x, float[] y) {
        for (int i = 0; i < y.length; i++) {
            x[i] += y[i];
        }
    }

    /** {@code x = (x - mean) / sqrt(variance + eps) * weight + bias}, the statistics summed in double. */
    static void layerNorm(float[] x, float[] weight, float[] bias, float eps) {
        double sum = 0;
        for (float f : x) {
            sum += f;
        }
        double mean = sum / x.length;
        double squares = 0;
        for (float f : x) {
            squares += (f - mean) * (f - mean);
        }
        double inv = 1 / Math.sqrt(squares / x.length + eps);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) ((x[i] - mean) * inv) * weight[i] + bias[i];
        }
    }

    /** BERT's exact GELU, {@code x/2 (1 + erf(x/√2))}, written through erfc to keep precision for x < 0. */
    static float gelu(float x) {
        double z = x / Math.sqrt(2);
        return (float) (x >= 0 ? x * (1 - 0.5 * erfc(z)) : 0.5 * x * erfc(-z));
    }

    /**
     * The complementary error function for {@code z >= 0}, by the Chebyshev-fitted exponential of Press et
     * al., Numerical Recipes §6.2 (relative error below 1.2e-7 everywhere, well under float resolution).
     */
    static double erfc(double z) {
        double t = 1 / (1 + 0.5 * z);
        return t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
    }

    private static void normalize(float[] e) {
        double squares = 0;
        for (float f : e) {
            squares += (double) f * f;
        }
        double inv = 1 / Math.max(Math.sqrt(squares), 1e-12);
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) (e[i] * inv);
        }
    }
}
