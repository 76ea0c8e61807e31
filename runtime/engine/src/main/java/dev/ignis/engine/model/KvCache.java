package dev.ignis.engine.model;

/**
 * The keys and values of one sequence, for every layer and position up to the context size set at load.
 */
public final class KvCache {

    final float[][] keys;   // (layer, contextSize * kvDim)
    final float[][] values; // (layer, contextSize * kvDim)
    private final int contextSize;

    KvCache(LlamaConfig config, int contextSize) {
        this.contextSize = contextSize;
        keys = new float[config.layers()][contextSize * config.kvDim()];
        values = new float[config.layers()][contextSize * config.kvDim()];
    }

    public int contextSize() {
        return contextSize;
    }
}
