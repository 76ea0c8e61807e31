package dev.ignis.engine.model;

/**
 * Hyper-parameters of a Llama-family decoder.
 *
 * @param dim         embedding width
 * @param hiddenDim   feed-forward width
 * @param layers      transformer blocks
 * @param heads       query heads
 * @param kvHeads     key/value heads (grouped-query attention when fewer than {@code heads})
 * @param vocabSize   tokens in the vocabulary
 * @param contextLength the longest sequence the model was trained for
 * @param rmsEps      epsilon of RMS normalisation
 * @param ropeTheta   base of the rotary frequencies
 */
public record LlamaConfig(String architecture, int dim, int hiddenDim, int layers, int heads, int kvHeads,
                          int vocabSize, int contextLength, float rmsEps, float ropeTheta) {

    public int headSize() {
        return dim / heads;
    }

    /** Width of the keys (and values) of one token in one layer. */
    public int kvDim() {
        return kvHeads * headSize();
    }
}
