package dev.ignis.engine.model;

/**
 * Hyper-parameters of a BERT-family encoder.
 *
 * @param dim           embedding width
 * @param hiddenDim     feed-forward width
 * @param layers        transformer blocks
 * @param heads         attention heads
 * @param vocabSize     tokens in the vocabulary
 * @param tokenTypes    rows of the token-type (segment) embedding
 * @param contextLength positions of the position embedding: the longest sequence the model reads
 * @param layerNormEps  epsilon of layer normalisation
 * @param pooling       how token vectors become one embedding
 */
public record BertConfig(int dim, int hiddenDim, int layers, int heads, int vocabSize, int tokenTypes,
                         int contextLength, float layerNormEps, Pooling pooling) {

    /** llama.cpp's {@code pooling_type} values that an embedding model can use here. */
    public enum Pooling {
        /** The mean of every token's vector ({@code pooling_type} 1). */
        MEAN,
        /** The vector of the first token, {@code [CLS]} ({@code pooling_type} 2). */
        CLS;

        public static Pooling ofGguf(long poolingType) {
            return switch ((int) poolingType) {
                case 1 -> MEAN;
                case 2 -> CLS;
                default -> throw new UnsupportedOperationException("pooling_type " + poolingType
                        + " is not supported (supported: 1 = mean, 2 = cls)");
            };
        }
    }

    public BertConfig {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("embedding width " + dim + " is not a multiple of " + heads + " heads");
        }
    }

    public int headSize() {
        return dim / heads;
    }
}
