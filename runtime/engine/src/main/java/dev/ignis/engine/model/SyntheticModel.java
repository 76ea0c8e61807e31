package dev.ignis.engine.model;

import dev.ignis.engine.gguf.GgmlType;
import dev.ignis.engine.gguf.GgufWriter;
import dev.ignis.engine.tensor.Quantizer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a GGUF file in the shapes of a real model with random weights, for benchmarks and tests at sizes
 * no shared file has. Weights are uniform in ±0.05 (norms 1) and quantized, or for the block formats the
 * engine has no quantizer for (Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K) random blocks of about that range;
 * seeded, so a preset and seed always give the same file. The vocabulary is a SentencePiece-style one of
 * byte tokens and fillers. {@code qwen2} shapes get q/k/v biases (uniform in ±0.05), {@code qwen3} shapes per-head q/k norms (1), as those architectures have.
 */
public final class SyntheticModel {

    /** Model shapes, in one of the GGUF architectures the engine runs (llama, qwen2, qwen3); output tied. */
    public record Shape(String architecture, int dim, int hiddenDim, int layers, int heads, int kvHeads, int headSize,
                        int vocab, int context, float ropeTheta) {

        int qDim() {
            return heads * headSize;
        }

        int kvDim() {
            return kvHeads * headSize;
        }
    }

    /** The shapes of the real models' configurations (Hugging Face {@code config.json}). */
    public static final Map<String, Shape> PRESETS = Map.of(
            "tiny", new Shape("llama", 256, 768, 2, 8, 4, 32, 1024, 1024, 10000f),
            "llama-3.2-1b", new Shape("llama", 2048, 8192, 16, 32, 8, 64, 128256, 131072, 500000f),
            "qwen2.5-0.5b", new Shape("qwen2", 896, 4864, 24, 14, 2, 64, 151936, 32768, 1000000f),
            "qwen2.5-1.5b", new Shape("qwen2", 1536, 8960, 28, 12, 2, 128, 151936, 32768, 1000000f),
            "qwen3-0.6b", new Shape("qwen3", 1024, 3072, 28, 16, 8, 128, 151936, 40960, 1000000f),
            "qwen3-1.7b", new Shape("qwen3", 2048, 6144, 28, 16, 8, 128, 151936, 40960, 1000000f),
            "llama-3.1-8b", new Shape("llama", 4096, 14336, 32, 32, 8, 128, 128256, 131072, 500000f));

    private SyntheticModel() {
    }

    public static void write(Shape s, GgmlType type, long seed, Path out) throws IOException {
        Quantizer.Target target = switch (type) {
            case F32 -> null;
            case F16 -> Quantizer.Target.F16;
            case BF16 -> Quantizer.Target.BF16;
            case Q8_0 -> Quantizer.Target.Q8_0;
            case Q4_0 -> Quantizer.Target.Q4_0;
            case Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K -> null; // random blocks, see randomBlocks
            default -> throw new IllegalArgumentException("synthetic models are written as F32, F16, BF16, Q8_0, Q4_0,"
                    + " Q4_1, Q5_0, Q5_1, Q4_K, Q5_K or Q6_K");
        };
        for (int cols : new int[] {s.dim(), s.qDim(), s.hiddenDim()}) {
            if (cols % type.blockSize() != 0) {
                throw new IllegalArgumentException("this shape has rows of " + cols + " values, which " + type
                        + " cannot store (blocks of " + type.blockSize() + ")");
            }
        }
        String a = s.architecture();
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", a).put("general.name", "synthetic")
                .put(a + ".context_length", s.context()).put(a + ".embedding_length", s.dim())
                .put(a + ".feed_forward_length", s.hiddenDim()).put(a + ".block_count", s.layers())
                .put(a + ".attention.head_count", s.heads()).put(a + ".attention.head_count_kv", s.kvHeads())
                .put(a + ".attention.key_length", s.headSize()).put(a + ".attention.value_length", s.headSize())
                .put(a + ".attention.layer_norm_rms_epsilon", a.equals("llama") ? 1e-5f : 1e-6f).put(a + ".rope.freq_base", s.ropeTheta());
        List<String> tokens = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        tokens.add("<unk>");
        tokens.add("<s>");
        tokens.add("</s>");
        types.add(2);
        types.add(3);
        types.add(3);
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(6);
        }
        for (int i = tokens.size(); i < s.vocab(); i++) {
            tokens.add("\u2581t" + i);
            types.add(1);
        }
        for (int i = 0; i < s.vocab(); i++) {
            scores.add(-(float) i);
        }
        w.put("tokenizer.ggml.model", "llama").put("tokenizer.ggml.tokens", tokens).put("tokenizer.ggml.scores", scores)
                .put("tokenizer.ggml.token_type", types).put("tokenizer.ggml.bos_token_id", 1)
                .put("tokenizer.ggml.eos_token_id", 2);
        int kvDim = s.kvDim();
        matrix(w, "token_embd.weight", s.dim(), s.vocab(), type, target, seed);
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            norm(w, p + "attn_norm.weight", s.dim());
            matrix(w, p + "attn_q.weight", s.dim(), s.qDim(), type, target, seed + 10L * l + 1);
            matrix(w, p + "attn_k.weight", s.dim(), kvDim, type, target, seed + 10L * l + 2);
            matrix(w, p + "attn_v.weight", s.dim(), kvDim, type, target, seed + 10L * l + 3);
            if (a.equals("qwen2")) { // seeds 8..10 of layer l stay clear of layer l + 1's 1..7
                bias(w, p + "attn_q.bias", s.qDim(), seed + 10L * l + 8);
                bias(w, p + "attn_k.bias", kvDim, seed + 10L * l + 9);
                bias(w, p + "attn_v.bias", kvDim, seed + 10L * l + 10);
            }
            if (a.equals("qwen3")) {
                norm(w, p + "attn_q_norm.weight", s.headSize());
                norm(w, p + "attn_k_norm.weight", s.headSize());
            }
            matrix(w, p + "attn_output.weight", s.qDim(), s.dim(), type, target, seed + 10L * l + 4);
            norm(w, p + "ffn_norm.weight", s.dim());
            matrix(w, p + "ffn_gate.weight", s.dim(), s.hiddenDim(), type, target, seed + 10L * l + 5);
            matrix(w, p + "ffn_down.weight", s.hiddenDim(), s.dim(), type, target, seed + 10L * l + 6);
            matrix(w, p + "ffn_up.weight", s.dim(), s.hiddenDim(), type, target, seed + 10L * l + 7);
        }
        norm(w, "output_norm.weight", s.dim());
        w.write(out);
    }

    private static void norm(GgufWriter w, String name, int n) {
        w.tensor(name, new long[] {n}, GgmlType.F32, (row, out) -> {
            for (int i = 0; i < n; i++) {
                out.putFloat(1f);
            }
        });
    }

    private static void bias(GgufWriter w, String name, int n, long seed) {
        w.tensor(name, new long[] {n}, GgmlType.F32, (row, out) -> {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L);
            for (int i = 0; i < n; i++) {
                out.putFloat((float) (random.nextDouble() * 0.1 - 0.05));
            }
        });
    }

    private static void matrix(GgufWriter w, String name, int cols, int rows, GgmlType type, Quantizer.Target target,
                               long seed) {
        w.tensor(name, new long[] {cols, rows}, type, (row, out) -> {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + row);
            if (type != GgmlType.F32 && target == null) {
                randomBlocks(type, cols, random, out);
                return;
            }
            float[] values = new float[cols];
            for (int i = 0; i < cols; i++) {
                values[i] = (float) (random.nextDouble() * 0.1 - 0.05);
            }
            if (target == null) {
                for (float v : values) {
                    out.putFloat(v);
                }
            } else {
                Quantizer.encodeRow(target, values, MemorySegment.ofBuffer(out), 0);
            }
        });
    }

    /**
     * A row of a block format without a quantizer here: random quant bytes (and random K-quant sub-block
     * scales and mins), with the F16 scales of every block set so that values stay within about ±0.05 (up
     * to 0.1 for the K-quants' {@code d * scale * q - dmin * min}). The offsets are {@code BlockFormat}'s
     * layouts. Enough for benchmarks, which is all these files are for.
     */
    private static void randomBlocks(GgmlType type, int cols, SplittableRandom random, ByteBuffer out) {
        int blockBytes = type.typeSize();
        byte[] block = new byte[blockBytes];
        for (int b = 0; b < cols / type.blockSize(); b++) {
            random.nextBytes(block);
            ByteBuffer bb = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
            switch (type) { // d (and m, or dmin) so that the extreme quants land near the range's ends
                case Q4_1 -> bb.putShort(0, f16(0.1f / 15)).putShort(2, f16(-0.05f));
                case Q5_0 -> bb.putShort(0, f16(0.05f / 16));
                case Q5_1 -> bb.putShort(0, f16(0.1f / 31)).putShort(2, f16(-0.05f));
                case Q4_K -> bb.putShort(0, f16(0.1f / (63 * 15))).putShort(2, f16(0.05f / 63));
                case Q5_K -> bb.putShort(0, f16(0.1f / (63 * 31))).putShort(2, f16(0.05f / 63));
                case Q6_K -> bb.putShort(208, f16(0.05f / (128 * 32)));
                default -> throw new IllegalArgumentException(type.toString());
            }
            out.put(block);
        }
    }

    private static short f16(float v) {
        return Float.floatToFloat16(v);
    }
}
