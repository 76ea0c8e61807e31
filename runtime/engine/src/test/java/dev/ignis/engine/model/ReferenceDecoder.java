package dev.ignis.engine.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-loops decoder in double precision over {@link RandomDecoder}'s arrays, written from the
 * architectures' descriptions and sharing no code with {@link Llama}: the reference the engine's logits are
 * compared with. One instance is one sequence; {@link #next} feeds the next token and returns its logits.
 */
final class ReferenceDecoder {

    private final RandomDecoder m;
    private final RandomDecoder.Spec s;
    private final boolean neox;
    private final boolean scaled;
    private final List<List<double[]>> keys = new ArrayList<>();   // (layer, position, kvDim)
    private final List<List<double[]>> values = new ArrayList<>(); // (layer, position, kvDim)
    private int pos;

    /** As the model's architecture says. */
    ReferenceDecoder(RandomDecoder m) {
        this(m, m.spec.neox(), true);
    }

    /** With the rotation layout and the rope scaling chosen: to show that getting either wrong is visible. */
    ReferenceDecoder(RandomDecoder m, boolean neox, boolean scaled) {
        this.m = m;
        this.s = m.spec;
        this.neox = neox;
        this.scaled = scaled;
        for (int l = 0; l < s.layers(); l++) {
            keys.add(new ArrayList<>());
            values.add(new ArrayList<>());
        }
    }

    double[] next(int token) {
        double[] x = new double[s.dim()];
        for (int i = 0; i < s.dim(); i++) {
            x[i] = m.embedding[token][i];
        }
        for (int l = 0; l < s.layers(); l++) {
            double[] h = rmsNorm(x, m.attnNorm[l]);
            double[] q = times(m.wq[l], h);
            double[] k = times(m.wk[l], h);
            double[] v = times(m.wv[l], h);
            if (s.biases()) {
                plus(q, m.bq[l]);
                plus(k, m.bk[l]);
                plus(v, m.bv[l]);
            }
            if (s.qkNorm()) {
                for (int head = 0; head < s.heads(); head++) {
                    normHead(q, head, m.qNorm[l]);
                }
                for (int head = 0; head < s.kvHeads(); head++) {
                    normHead(k, head, m.kNorm[l]);
                }
            }
            for (int head = 0; head < s.heads(); head++) {
                rotate(q, head);
            }
            for (int head = 0; head < s.kvHeads(); head++) {
                rotate(k, head);
            }
            keys.get(l).add(k);
            values.get(l).add(v);

            double[] attended = new double[s.qDim()];
            int perKvHead = s.heads() / s.kvHeads();
            for (int head = 0; head < s.heads(); head++) {
                int kvBase = (head / perKvHead) * s.headSize();
                int qBase = head * s.headSize();
                double[] weights = new double[pos + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= pos; t++) {
                    double dot = 0;
                    for (int i = 0; i < s.headSize(); i++) {
                        dot += q[qBase + i] * keys.get(l).get(t)[kvBase + i];
                    }
                    weights[t] = dot / Math.sqrt(s.headSize());
                    max = Math.max(max, weights[t]);
                }
                double total = 0;
                for (int t = 0; t <= pos; t++) {
                    weights[t] = Math.exp(weights[t] - max);
                    total += weights[t];
                }
                for (int t = 0; t <= pos; t++) {
                    for (int i = 0; i < s.headSize(); i++) {
                        attended[qBase + i] += weights[t] / total * values.get(l).get(t)[kvBase + i];
                    }
                }
            }
            plus(x, times(m.wo[l], attended));

            double[] f = rmsNorm(x, m.ffnNorm[l]);
            double[] g = times(m.gate[l], f);
            double[] u = times(m.up[l], f);
            for (int j = 0; j < g.length; j++) {
                g[j] = g[j] / (1 + Math.exp(-g[j])) * u[j];
            }
            plus(x, times(m.down[l], g));
        }
        pos++;
        return times(m.output, rmsNorm(x, m.outputNorm));
    }

    /** Turns each pair of one head by position times its frequency. */
    private void rotate(double[] vec, int head) {
        int half = s.headSize() / 2;
        double position = scaled && "linear".equals(s.ropeScaling()) ? pos / (double) s.scalingFactor() : pos;
        float[] divisors = m.ropeFactors != null ? m.ropeFactors
                : scaled && "llama3".equals(s.ropeScaling()) ? RandomDecoder.llama3Factors(s) : null;
        for (int i = 0; i < half; i++) {
            double freq = 1 / Math.pow(s.theta(), 2.0 * i / s.headSize());
            if (divisors != null && scaled) {
                freq /= divisors[i];
            }
            double angle = position * freq;
            // NeoX pairs value i with value i + half of the head; the original Llama layout pairs neighbours.
            int a = head * s.headSize() + (neox ? i : 2 * i);
            int b = neox ? a + half : a + 1;
            double x0 = vec[a];
            double x1 = vec[b];
            vec[a] = x0 * Math.cos(angle) - x1 * Math.sin(angle);
            vec[b] = x1 * Math.cos(angle) + x0 * Math.sin(angle);
        }
    }

    private void normHead(double[] vec, int head, float[] weight) {
        int base = head * s.headSize();
        double mean = 0;
        for (int i = 0; i < s.headSize(); i++) {
            mean += vec[base + i] * vec[base + i] / s.headSize();
        }
        double scale = 1 / Math.sqrt(mean + 1e-6);
        for (int i = 0; i < s.headSize(); i++) {
            vec[base + i] = vec[base + i] * scale * weight[i];
        }
    }

    private static double[] rmsNorm(double[] x, float[] weight) {
        double mean = 0;
        for (double v : x) {
            mean += v * v / x.length;
        }
        double scale = 1 / Math.sqrt(mean + 1e-6);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
        return out;
    }

    private static double[] times(float[][] matrix, double[] x) {
        double[] out = new double[matrix.length];
        for (int r = 0; r < matrix.length; r++) {
            double sum = 0;
            for (int c = 0; c < x.length; c++) {
                sum += matrix[r][c] * x[c];
            }
            out[r] = sum;
        }
        return out;
    }

    private static void plus(double[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }

    private static void plus(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
