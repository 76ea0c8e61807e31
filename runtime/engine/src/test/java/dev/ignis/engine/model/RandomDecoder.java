package dev.ignis.engine.model;

import dev.ignis.engine.gguf.GgmlType;
import dev.ignis.engine.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small decoder with random weights, kept in plain arrays (for {@link ReferenceDecoder}) and written to a
 * GGUF file (for the engine). Weights are large enough that attention is far from uniform, so that a wrong
 * rotation, a missing bias or norm moves the logits by much more than rounding does.
 */
final class RandomDecoder {

    /**
     * What to build. {@code ropeScaling} is null, "linear" or "llama3"; with {@code ropeFreqsTensor} a llama3 model
     * also carries the per-pair factors as {@code rope_freqs.weight}, the way converted Llama 3.1 files do.
     */
    record Spec(String architecture, int dim, int hiddenDim, int layers, int heads, int kvHeads, int headSize,
                int vocab, float theta, boolean biases, boolean qkNorm, boolean tied, String ropeScaling,
                float scalingFactor, int originalContext, boolean ropeFreqsTensor, boolean writeScalingMetadata) {

        int qDim() {
            return heads * headSize;
        }

        int kvDim() {
            return kvHeads * headSize;
        }

        boolean neox() {
            return !architecture.equals("llama");
        }

        static Spec qwen2() {
            return new Spec("qwen2", 64, 96, 2, 4, 2, 16, 300, 1_000_000f, true, false, false, null, 0, 0, false, false);
        }

        static Spec qwen3() {
            // head size 32 with 4 heads on a 48-wide embedding: q is 128 wide, wider than the residual stream
            return new Spec("qwen3", 48, 80, 2, 4, 2, 32, 300, 1_000_000f, false, true, true, null, 0, 0, false, false);
        }

        static Spec llama() {
            return new Spec("llama", 64, 96, 2, 4, 2, 16, 300, 10_000f, false, false, true, null, 0, 0, false, false);
        }

        Spec withScaling(String type, float factor, int original, boolean tensor, boolean metadata) {
            return new Spec(architecture, dim, hiddenDim, layers, heads, kvHeads, headSize, vocab, theta, biases, qkNorm,
                    tied, type, factor, original, tensor, metadata);
        }
    }

    final Spec spec;
    final float[][] embedding;   // (vocab, dim)
    final float[][] attnNorm;    // (layer, dim)
    final float[][][] wq;        // (layer, qDim, dim)
    final float[][][] wk;        // (layer, kvDim, dim)
    final float[][][] wv;        // (layer, kvDim, dim)
    final float[][] bq;          // (layer, qDim)
    final float[][] bk;          // (layer, kvDim)
    final float[][] bv;          // (layer, kvDim)
    final float[][] qNorm;       // (layer, headSize)
    final float[][] kNorm;       // (layer, headSize)
    final float[][][] wo;        // (layer, dim, qDim)
    final float[][] ffnNorm;     // (layer, dim)
    final float[][][] gate;      // (layer, hiddenDim, dim)
    final float[][][] up;        // (layer, hiddenDim, dim)
    final float[][][] down;      // (layer, dim, hiddenDim)
    final float[] outputNorm;    // (dim)
    final float[][] output;      // (vocab, dim), the embedding when tied
    final float[] ropeFactors;   // (headSize / 2) or null

    RandomDecoder(Spec s, long seed) {
        this.spec = s;
        SplittableRandom r = new SplittableRandom(seed);
        embedding = matrix(r, s.vocab(), s.dim(), 1f);
        int layers = s.layers();
        attnNorm = new float[layers][];
        wq = new float[layers][][];
        wk = new float[layers][][];
        wv = new float[layers][][];
        bq = new float[layers][];
        bk = new float[layers][];
        bv = new float[layers][];
        qNorm = new float[layers][];
        kNorm = new float[layers][];
        wo = new float[layers][][];
        ffnNorm = new float[layers][];
        gate = new float[layers][][];
        up = new float[layers][][];
        down = new float[layers][][];
        for (int l = 0; l < layers; l++) {
            attnNorm[l] = around(r, s.dim(), 1f, 0.3f);
            wq[l] = matrix(r, s.qDim(), s.dim(), 3f / (float) Math.sqrt(s.dim()));
            wk[l] = matrix(r, s.kvDim(), s.dim(), 3f / (float) Math.sqrt(s.dim()));
            wv[l] = matrix(r, s.kvDim(), s.dim(), 2f / (float) Math.sqrt(s.dim()));
            if (s.biases()) {
                bq[l] = around(r, s.qDim(), 0f, 1f);
                bk[l] = around(r, s.kvDim(), 0f, 1f);
                bv[l] = around(r, s.kvDim(), 0f, 0.5f);
            }
            if (s.qkNorm()) {
                qNorm[l] = around(r, s.headSize(), 1f, 0.5f);
                kNorm[l] = around(r, s.headSize(), 1f, 0.5f);
            }
            wo[l] = matrix(r, s.dim(), s.qDim(), 1f / (float) Math.sqrt(s.qDim()));
            ffnNorm[l] = around(r, s.dim(), 1f, 0.3f);
            gate[l] = matrix(r, s.hiddenDim(), s.dim(), 2f / (float) Math.sqrt(s.dim()));
            up[l] = matrix(r, s.hiddenDim(), s.dim(), 2f / (float) Math.sqrt(s.dim()));
            down[l] = matrix(r, s.dim(), s.hiddenDim(), 1f / (float) Math.sqrt(s.hiddenDim()));
        }
        outputNorm = around(r, s.dim(), 1f, 0.3f);
        output = s.tied() ? embedding : matrix(r, s.vocab(), s.dim(), 1f);
        ropeFactors = s.ropeFreqsTensor() ? llama3Factors(s) : null;
    }

    /**
     * The per-pair divisors a converter writes for Llama 3 scaling: trained frequency over scaled frequency,
     * from Meta's description (low frequency factor 1, high 4).
     */
    static float[] llama3Factors(Spec s) {
        float[] factors = new float[s.headSize() / 2];
        double lowWavelength = s.originalContext() / 1.0;
        double highWavelength = s.originalContext() / 4.0;
        for (int i = 0; i < factors.length; i++) {
            double freq = 1 / Math.pow(s.theta(), 2.0 * i / s.headSize());
            double wavelength = 2 * Math.PI / freq;
            double scaled;
            if (wavelength < highWavelength) {
                scaled = freq;
            } else if (wavelength > lowWavelength) {
                scaled = freq / s.scalingFactor();
            } else {
                double smooth = (s.originalContext() / wavelength - 1) / (4 - 1);
                scaled = (1 - smooth) * freq / s.scalingFactor() + smooth * freq;
            }
            factors[i] = (float) (freq / scaled);
        }
        return factors;
    }

    private static float[][] matrix(SplittableRandom r, int rows, int cols, float scale) {
        float[][] m = new float[rows][cols];
        for (float[] row : m) {
            for (int i = 0; i < cols; i++) {
                row[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
            }
        }
        return m;
    }

    private static float[] around(SplittableRandom r, int n, float centre, float spread) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = centre + (float) ((r.nextDouble() * 2 - 1) * spread);
        }
        return v;
    }

    /** Writes the model as an F32 GGUF file with the keys and tensor names llama.cpp uses for its architecture. */
    void write(Path file) throws IOException {
        Spec s = spec;
        String a = s.architecture();
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", a).put("general.name", "random " + a)
                .put(a + ".context_length", 256).put(a + ".embedding_length", s.dim())
                .put(a + ".feed_forward_length", s.hiddenDim()).put(a + ".block_count", s.layers())
                .put(a + ".attention.head_count", s.heads()).put(a + ".attention.head_count_kv", s.kvHeads())
                .put(a + ".attention.layer_norm_rms_epsilon", 1e-6f).put(a + ".rope.freq_base", s.theta())
                .put(a + ".rope.dimension_count", s.headSize());
        if (s.headSize() != s.dim() / s.heads()) {
            w.put(a + ".attention.key_length", s.headSize()).put(a + ".attention.value_length", s.headSize());
        }
        if (s.ropeScaling() != null && s.writeScalingMetadata()) {
            w.put(a + ".rope.scaling.type", s.ropeScaling()).put(a + ".rope.scaling.factor", s.scalingFactor());
            if (s.originalContext() > 0) {
                w.put(a + ".rope.scaling.original_context_length", s.originalContext());
            }
        }
        List<String> tokens = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (int i = 0; i < s.vocab(); i++) {
            tokens.add(i == 0 ? "<unk>" : i == 1 ? "<s>" : i == 2 ? "</s>" : "\u2581t" + i);
            scores.add(-(float) i);
            types.add(i == 0 ? 2 : i < 3 ? 3 : 1);
        }
        w.put("tokenizer.ggml.model", "llama").put("tokenizer.ggml.tokens", tokens).put("tokenizer.ggml.scores", scores)
                .put("tokenizer.ggml.token_type", types).put("tokenizer.ggml.bos_token_id", 1)
                .put("tokenizer.ggml.eos_token_id", 2);
        tensor(w, "token_embd.weight", embedding);
        if (ropeFactors != null) {
            tensor(w, "rope_freqs.weight", ropeFactors);
        }
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            Map<String, Object> parts = new java.util.LinkedHashMap<>();
            parts.put("attn_norm.weight", attnNorm[l]);
            parts.put("attn_q.weight", wq[l]);
            parts.put("attn_k.weight", wk[l]);
            parts.put("attn_v.weight", wv[l]);
            if (s.biases()) {
                parts.put("attn_q.bias", bq[l]);
                parts.put("attn_k.bias", bk[l]);
                parts.put("attn_v.bias", bv[l]);
            }
            if (s.qkNorm()) {
                parts.put("attn_q_norm.weight", qNorm[l]);
                parts.put("attn_k_norm.weight", kNorm[l]);
            }
            parts.put("attn_output.weight", wo[l]);
            parts.put("ffn_norm.weight", ffnNorm[l]);
            parts.put("ffn_gate.weight", gate[l]);
            parts.put("ffn_up.weight", up[l]);
            parts.put("ffn_down.weight", down[l]);
            parts.forEach((name, value) -> {
                if (value instanceof float[][] m) {
                    tensor(w, p + name, m);
                } else {
                    tensor(w, p + name, (float[]) value);
                }
            });
        }
        tensor(w, "output_norm.weight", outputNorm);
        if (!s.tied()) {
            tensor(w, "output.weight", output);
        }
        w.write(file);
    }

    private static void tensor(GgufWriter w, String name, float[][] m) {
        // ggml shapes list the innermost dimension first: [cols, rows]
        w.tensor(name, new long[] {m[0].length, m.length}, GgmlType.F32, (row, out) -> {
            for (float v : m[(int) row]) {
                out.putFloat(v);
            }
        });
    }

    private static void tensor(GgufWriter w, String name, float[] v) {
        w.tensor(name, new long[] {v.length}, GgmlType.F32, (row, out) -> {
            for (float x : v) {
                out.putFloat(x);
            }
        });
    }
}
