package dev.ignis.engine.model;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.gguf.GgufHeader;
import dev.ignis.engine.gguf.GgufTensorInfo;
import dev.ignis.engine.gguf.GgmlType;
import dev.ignis.engine.tensor.Matrices;
import dev.ignis.engine.tensor.Matrix;
import dev.ignis.engine.tensor.Quantizer;
import dev.ignis.engine.tensor.Workers;
import dev.ignis.engine.tokenizer.Tokenizer;
import dev.ignis.engine.tokenizer.Tokenizers;
import dev.ignis.engine.tokenizer.WordPieceTokenizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Builds a model from a GGUF file. The only place that knows GGUF metadata keys and tensor names.
 * The returned model reads its weights from the file's mapping: keep the file open while using it.
 */
public final class ModelLoader {

    /** GGUF architectures this loader builds. */
    public static final List<String> ARCHITECTURES = List.of("llama", "qwen2", "qwen3");

    private ModelLoader() {
    }

    /**
     * A decoder and its tokenizer. Closing it frees converted weights and stops its threads; the GGUF file
     * must stay open as long as the model is used, since unconverted weights are read from its mapping.
     */
    public record LoadedModel(Llama model, Tokenizer tokenizer, Arena arena) implements AutoCloseable {
        @Override
        public void close() {
            try {
                model.workers().close();
            } finally {
                arena.close();
            }
        }
    }

    /**
     * An encoder for embeddings and its WordPiece tokenizer; closing it frees converted weights (the GGUF
     * file must stay open as long as the model is used).
     */
    public record LoadedEncoder(Bert model, WordPieceTokenizer tokenizer, Arena arena) implements AutoCloseable {
        @Override
        public void close() {
            arena.close();
        }
    }

    /** Whether the file holds an encoder for embeddings (load it with {@link #loadEncoder}) rather than a decoder. */
    public static boolean isEncoder(GgufHeader h) {
        return "bert".equals(architecture(h));
    }

    private static String architecture(GgufHeader h) {
        return h.string("general.architecture").orElseThrow(() ->
                new IllegalArgumentException("the GGUF file has no general.architecture"));
    }

    /** Loads the model with its weights as stored. */
    public static LoadedModel load(GgufFile file) {
        return load(file, null);
    }

    /**
     * Loads the model, converting every weight matrix to {@code precision} (null: as stored).
     *
     * @throws IllegalArgumentException when the file stores its weights at fewer bits than asked for
     */
    public static LoadedModel load(GgufFile file, Precision precision) {
        return load(file, precision, Workers.defaultThreads());
    }

    /**
     * Loads the model as {@link #load(GgufFile, Precision)}, its kernels running on {@code threads} threads
     * ({@link Workers#defaultThreads()}: {@code -Dignis.engine.threads}, else every available processor).
     *
     * @throws IllegalArgumentException when {@code threads} is not between 1 and 4096
     */
    public static LoadedModel load(GgufFile file, Precision precision, int threads) {
        // As many threads as processors is what the shared team already has: no team of its own needed.
        Workers workers = threads == Runtime.getRuntime().availableProcessors() ? Workers.common() : Workers.of(threads);
        Arena arena = Arena.ofShared();
        try {
            return load(file, precision, arena, workers);
        } catch (RuntimeException e) {
            workers.close();
            arena.close();
            throw e;
        }
    }

    private static LoadedModel load(GgufFile file, Precision precision, Arena arena, Workers workers) {
        GgufHeader h = file.header();
        String arch = architecture(h);
        if (arch.equals("bert")) {
            throw new IllegalArgumentException("architecture 'bert' is an encoder for embeddings, not a text generator"
                    + " (ModelLoader.loadEncoder loads it)");
        }
        LlamaConfig config = config(file);
        checkPrecision(h, precision);
        Weights w = new Weights(file, precision, arena);
        int layers = config.layers();
        Matrix[] wq = new Matrix[layers];
        Matrix[] wk = new Matrix[layers];
        Matrix[] wv = new Matrix[layers];
        Matrix[] wo = new Matrix[layers];
        Matrix[] w1 = new Matrix[layers];
        boolean biases = h.tensor("blk.0.attn_q.bias").isPresent();
        float[][] bq = biases ? new float[layers][] : null;
        float[][] bk = biases ? new float[layers][] : null;
        float[][] bv = biases ? new float[layers][] : null;
        boolean qkNorm = config.architecture().equals("qwen3");
        float[][] qNorm = qkNorm ? new float[layers][] : null;
        float[][] kNorm = qkNorm ? new float[layers][] : null;
        Matrix[] w2 = new Matrix[layers];
        Matrix[] w3 = new Matrix[layers];
        float[][] attnNorm = new float[layers][];
        float[][] ffnNorm = new float[layers][];
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            attnNorm[l] = vector(file, p + "attn_norm.weight", config.dim());
            wq[l] = w.matrix(p + "attn_q.weight", config.qDim(), config.dim());
            wk[l] = w.matrix(p + "attn_k.weight", config.kvDim(), config.dim());
            wv[l] = w.matrix(p + "attn_v.weight", config.kvDim(), config.dim());
            if (biases) {
                bq[l] = vector(file, p + "attn_q.bias", config.qDim());
                bk[l] = vector(file, p + "attn_k.bias", config.kvDim());
                bv[l] = vector(file, p + "attn_v.bias", config.kvDim());
            }
            if (qkNorm) {
                qNorm[l] = vector(file, p + "attn_q_norm.weight", config.headSize());
                kNorm[l] = vector(file, p + "attn_k_norm.weight", config.headSize());
            }
            wo[l] = w.matrix(p + "attn_output.weight", config.dim(), config.qDim());
            ffnNorm[l] = vector(file, p + "ffn_norm.weight", config.dim());
            w1[l] = w.matrix(p + "ffn_gate.weight", config.hiddenDim(), config.dim());
            w2[l] = w.matrix(p + "ffn_down.weight", config.dim(), config.hiddenDim());
            w3[l] = w.matrix(p + "ffn_up.weight", config.hiddenDim(), config.dim());
        }
        Matrix embedding = w.matrix("token_embd.weight", config.vocabSize(), config.dim());
        Matrix classifier = h.tensor("output.weight").isPresent()
                ? w.matrix("output.weight", config.vocabSize(), config.dim()) : embedding;
        Llama model = new Llama(config, new Llama.Weights(embedding, attnNorm, wq, wk, wv, bq, bk, bv, qNorm,
                kNorm, wo, ffnNorm, w1, w2, w3, vector(file, "output_norm.weight", config.dim()), classifier), workers);
        return new LoadedModel(model, Tokenizers.fromMetadata(h), arena);
    }

    /**
     * The hyper-parameters, from {@code <arch>.*} metadata. {@code qwen2} and {@code qwen3} rotate NeoX pairs;
     * {@code qwen3} may set its head width apart from {@code dim / heads} ({@code attention.key_length}).
     */
    static LlamaConfig config(GgufFile file) {
        GgufHeader h = file.header();
        String arch = h.string("general.architecture").orElseThrow(() ->
                new IllegalArgumentException("the GGUF file has no general.architecture"));
        Rope.Layout layout = switch (arch) {
            case "llama" -> Rope.Layout.ADJACENT;
            case "qwen2", "qwen3" -> Rope.Layout.NEOX;
            default -> throw new UnsupportedOperationException("architecture '" + arch
                    + "' is not supported yet (supported: " + String.join(", ", ARCHITECTURES) + ")");
        };
        int dim = integer(h, arch + ".embedding_length");
        int heads = integer(h, arch + ".attention.head_count");
        int kvHeads = h.integer(arch + ".attention.head_count_kv").isPresent()
                ? integer(h, arch + ".attention.head_count_kv") : heads;
        if (h.integer(arch + ".attention.key_length").isEmpty() && dim % heads != 0) {
            throw new IllegalArgumentException("inconsistent heads: dim " + dim + " is not a multiple of " + heads
                    + " heads and the file has no " + arch + ".attention.key_length");
        }
        int headSize = h.integer(arch + ".attention.key_length").isPresent()
                ? integer(h, arch + ".attention.key_length") : dim / heads;
        int valueSize = h.integer(arch + ".attention.value_length").isPresent()
                ? integer(h, arch + ".attention.value_length") : headSize;
        if (valueSize != headSize) {
            throw new UnsupportedOperationException(arch + ".attention.value_length " + valueSize + " differs from "
                    + arch + ".attention.key_length " + headSize + ", which this engine does not support");
        }
        int rotated = h.integer(arch + ".rope.dimension_count").isPresent()
                ? integer(h, arch + ".rope.dimension_count") : headSize;
        if (rotated != headSize) {
            throw new UnsupportedOperationException(arch + ".rope.dimension_count " + rotated
                    + " rotates part of each " + headSize + "-wide head, which this engine does not support");
        }
        int contextLength = integer(h, arch + ".context_length");
        float[] frequencyFactors = h.tensor("rope_freqs.weight").isPresent()
                ? vector(file, "rope_freqs.weight", headSize / 2) : null;
        Rope rope = new Rope(layout, headSize, h.number(arch + ".rope.freq_base").orElse(10000.0).doubleValue(),
                frequencyFactors, ropeScaling(h, arch, frequencyFactors != null));
        return new LlamaConfig(arch, dim, integer(h, arch + ".feed_forward_length"), integer(h, arch + ".block_count"),
                heads, kvHeads, headSize, list(h, "tokenizer.ggml.tokens").size(), contextLength,
                h.number(arch + ".attention.layer_norm_rms_epsilon").orElse(1e-5).floatValue(), rope);
    }

    /**
     * {@code <arch>.rope.scaling.type} (none, linear, llama3; anything else is refused by name), its factor and
     * original context length, or the older {@code <arch>.rope.scale_linear}. Llama 3's low and high frequency
     * factors are not GGUF keys: Meta's released models all use 1 and 4. A {@code rope_freqs.weight} tensor
     * already holds the Llama 3 factors; {@link Rope} then uses them instead of the formula.
     */
    private static RopeScaling ropeScaling(GgufHeader h, String arch, boolean hasFrequencyFactors) {
        String prefix = arch + ".rope.scaling.";
        String type = h.string(prefix + "type").orElse(null);
        if (type == null) {
            double linear = h.number(arch + ".rope.scale_linear").orElse(1.0).doubleValue();
            return linear == 1.0 ? new RopeScaling.None() : new RopeScaling.Linear(linear);
        }
        return switch (type) {
            case "none" -> new RopeScaling.None();
            case "linear" -> new RopeScaling.Linear(number(h, prefix + "factor"));
            // The tensor already holds the factors the formula would give: apply them once.
            case "llama3" -> hasFrequencyFactors ? new RopeScaling.None() : new RopeScaling.Llama3(
                    number(h, prefix + "factor"), 1, 4, integer(h, prefix + "original_context_length"));
            default -> throw new UnsupportedOperationException(prefix + "type '" + type
                    + "' is not supported (supported: none, linear, llama3)");
        };
    }

    /**
     * Loads a BERT-family encoder ({@code general.architecture = bert}), converting every weight matrix to
     * {@code precision} (null: as stored).
     */
    public static LoadedEncoder loadEncoder(GgufFile file, Precision precision) {
        Arena arena = Arena.ofShared();
        try {
            return loadEncoder(file, precision, arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static LoadedEncoder loadEncoder(GgufFile file, Precision precision, Arena arena) {
        GgufHeader h = file.header();
        String arch = architecture(h);
        if (!arch.equals("bert")) {
            throw new IllegalArgumentException("architecture '" + arch + "' is not an encoder (supported: bert)");
        }
        if (h.metadata().get(arch + ".attention.causal") instanceof Boolean causal && causal) {
            throw new UnsupportedOperationException(arch + ".attention.causal = true: only bidirectional encoders are"
                    + " supported");
        }
        checkPrecision(h, precision);
        int dim = integer(h, arch + ".embedding_length");
        GgufTensorInfo types = tensor(file, "token_types.weight");
        BertConfig config = new BertConfig(dim,
                integer(h, arch + ".feed_forward_length"),
                integer(h, arch + ".block_count"),
                integer(h, arch + ".attention.head_count"),
                list(h, "tokenizer.ggml.tokens").size(),
                types.dimensions() == 2 ? (int) types.dimension(1) : 1,
                integer(h, arch + ".context_length"),
                h.number(arch + ".attention.layer_norm_epsilon").orElse(1e-12).floatValue(),
                BertConfig.Pooling.ofGguf(h.integer(arch + ".pooling_type").orElse(1)));
        Weights w = new Weights(file, precision, arena);
        Bert.Layer[] layers = new Bert.Layer[config.layers()];
        int d = config.dim();
        int hd = config.hiddenDim();
        for (int l = 0; l < layers.length; l++) {
            String p = "blk." + l + ".";
            layers[l] = new Bert.Layer(
                    w.matrix(p + "attn_q.weight", d, d), vector(file, p + "attn_q.bias", d),
                    w.matrix(p + "attn_k.weight", d, d), vector(file, p + "attn_k.bias", d),
                    w.matrix(p + "attn_v.weight", d, d), vector(file, p + "attn_v.bias", d),
                    w.matrix(p + "attn_output.weight", d, d), vector(file, p + "attn_output.bias", d),
                    vector(file, p + "attn_output_norm.weight", d), vector(file, p + "attn_output_norm.bias", d),
                    w.matrix(p + "ffn_up.weight", hd, d), vector(file, p + "ffn_up.bias", hd),
                    w.matrix(p + "ffn_down.weight", d, hd), vector(file, p + "ffn_down.bias", d),
                    vector(file, p + "layer_output_norm.weight", d), vector(file, p + "layer_output_norm.bias", d));
        }
        Bert model = new Bert(config, new Bert.Weights(
                w.matrix("token_embd.weight", config.vocabSize(), d),
                w.matrix("position_embd.weight", config.contextLength(), d),
                w.matrix("token_types.weight", config.tokenTypes(), d),
                vector(file, "token_embd_norm.weight", d), vector(file, "token_embd_norm.bias", d),
                layers));
        if (!(Tokenizers.fromMetadata(h) instanceof WordPieceTokenizer tokenizer)) {
            throw new IllegalArgumentException("a bert model needs tokenizer.ggml.model = bert");
        }
        return new LoadedEncoder(model, tokenizer, arena);
    }

    private static void checkPrecision(GgufHeader h, Precision precision) {
        if (precision != null) {
            GgmlType stored = storedType(h);
            if (Precision.bitsOf(stored) < precision.bits()) {
                throw new IllegalArgumentException("the weights are stored as " + stored + " (" + Precision.bitsOf(stored)
                        + " bits); serving them at " + precision + " would not add precision: choose "
                        + java.util.Arrays.stream(Precision.values()).filter(p -> p.bits() <= Precision.bitsOf(stored))
                        .map(Precision::toString).toList());
            }
        }
    }

    /** Weight matrices of the file, converted to the requested precision where they are not already. */
    private record Weights(GgufFile file, Precision precision, Arena arena) {
        Matrix matrix(String name, int rows, int cols) {
            Matrix stored = ModelLoader.matrix(file, name, rows, cols);
            GgmlType type = tensor(file, name).type();
            if (precision == null || precision.storedAs().filter(t -> t == type).isPresent()) {
                return stored;
            }
            if (precision.target() != Quantizer.Target.F16 && precision.target() != Quantizer.Target.BF16
                    && cols % 32 != 0) {
                // Rows that do not divide into blocks of 32 (stories260K's 172-wide feed-forward) fall back
                // to F16, as llama.cpp falls back for such tensors.
                return type == GgmlType.F16 ? stored : converted(name, stored, Quantizer.Target.F16);
            }
            return converted(name, stored, precision.target());
        }

        /**
         * {@code stored} converted, then the file's pages of it let go: the converted copy is what the model
         * reads (a read of the stored tensor, e.g. tied embeddings' rows, pages it back in from the file).
         */
        private Matrix converted(String name, Matrix stored, Quantizer.Target target) {
            Matrix converted = Quantizer.convert(stored, target, arena);
            MemorySegment data = file.tensorData(tensor(file, name));
            if (data.isMapped()) {
                data.unload();
            }
            return converted;
        }
    }

    /** The type holding most elements among the weight matrices: what "stored precision" means. */
    static GgmlType storedType(GgufHeader h) {
        java.util.Map<GgmlType, Long> elements = new java.util.EnumMap<>(GgmlType.class);
        for (GgufTensorInfo t : h.tensors()) {
            if (t.dimensions() >= 2) {
                elements.merge(t.type(), t.elementCount(), Long::sum);
            }
        }
        return elements.entrySet().stream().max(java.util.Map.Entry.comparingByValue()).map(java.util.Map.Entry::getKey)
                .orElse(GgmlType.F32);
    }

    private static Matrix matrix(GgufFile file, String name, int rows, int cols) {
        GgufTensorInfo t = tensor(file, name);
        if (t.dimensions() != 2 || t.dimension(0) != cols || t.dimension(1) != rows) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + java.util.Arrays.toString(t.shape())
                    + ", expected [" + cols + ", " + rows + "]");
        }
        return Matrices.of(name, t.type(), file.tensorData(t), rows, cols);
    }

    private static float[] vector(GgufFile file, String name, int size) {
        GgufTensorInfo t = tensor(file, name);
        if (t.elementCount() != size) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + t.elementCount() + " values, expected " + size);
        }
        float[] out = new float[size];
        Matrices.of(name, t.type(), file.tensorData(t), 1, size).row(0, out);
        return out;
    }

    private static GgufTensorInfo tensor(GgufFile file, String name) {
        return file.header().tensor(name).orElseThrow(() ->
                new IllegalArgumentException("the GGUF file has no tensor '" + name + "'"));
    }

    private static int integer(GgufHeader h, String key) {
        long v = h.integer(key).orElseThrow(() -> new IllegalArgumentException("the GGUF file has no " + key));
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " must be a positive int, got " + v);
        }
        return (int) v;
    }

    private static double number(GgufHeader h, String key) {
        return h.number(key).orElseThrow(() -> new IllegalArgumentException("the GGUF file has no " + key))
                .doubleValue();
    }

    private static List<?> list(GgufHeader h, String key) {
        if (h.metadata().get(key) instanceof List<?> l) {
            return l;
        }
        throw new IllegalArgumentException("the GGUF file has no array " + key);
    }
}
