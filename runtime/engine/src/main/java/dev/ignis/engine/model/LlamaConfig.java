package dev.ignis.engine.model;

/**
 * Hyper-parameters of a Llama-family decoder (GGUF architectures {@code llama}, {@code qwen2}, {@code qwen3}).
 *
 * @param architecture  the GGUF {@code general.architecture}
 * @param dim           embedding width
 * @param hiddenDim     feed-forward width
 * @param layers        transformer blocks
 * @param heads         query heads
 * @param kvHeads       key/value heads (grouped-query attention when fewer than {@code heads})
 * @param headSize      width of one head; {@code dim / heads} except where the file says otherwise (Qwen3)
 * @param vocabSize     tokens in the vocabulary
 * @param contextLength the longest sequence the model was trained for
 * @param rmsEps        epsilon of RMS normalisation
 * @param rope          the rotary position embedding: layout, frequencies, scaling
 */
public record LlamaConfig(String architecture, int dim, int hiddenDim, int layers, int heads, int kvHeads, int headSize,
                          int vocabSize, int contextLength, float rmsEps, Rope rope) {

    public LlamaConfig {
        if (heads < 1 || kvHeads < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("inconsistent heads: " + heads + " query heads, " + kvHeads + " kv heads");
        }
    }

    /** Width of the queries (and the attention output) of one token: {@code heads * headSize}. */
    public int qDim() {
        return heads * headSize;
    }

    /** Width of the keys (and values) of one token in one layer. */
    public int kvDim() {
        return kvHeads * headSize;
    }
}
