package dev.ignis.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The keys and values of one sequence, for every layer and position up to the context size set at load:
 * float32, position-major ({@code (position, kvDim)} per layer), in native memory outside the Java heap.
 * Off the heap, the caches cost exactly their size: the heap holds only a forward pass's activations and
 * can stay small whatever the context size and the number of sequences (slots), instead of being sized
 * for the largest caches and then committed by the collector. The memory is freed when the cache is no
 * longer reachable (an automatic arena).
 */
public final class KvCache {

    final MemorySegment[] keys;   // (layer) contextSize * kvDim floats
    final MemorySegment[] values; // (layer) contextSize * kvDim floats
    private final int contextSize;
    private final long byteSize;

    KvCache(LlamaConfig config, int contextSize) {
        this.contextSize = contextSize;
        long layerBytes = (long) contextSize * config.kvDim() * Float.BYTES;
        Arena arena = Arena.ofAuto();
        keys = new MemorySegment[config.layers()];
        values = new MemorySegment[config.layers()];
        for (int l = 0; l < config.layers(); l++) {
            // 64-byte aligned: a head's keys start on a cache line when the head size is a multiple of 16.
            keys[l] = arena.allocate(layerBytes, 64);
            values[l] = arena.allocate(layerBytes, 64);
        }
        this.byteSize = 2 * layerBytes * config.layers();
    }

    public int contextSize() {
        return contextSize;
    }

    /** The native memory this cache holds: keys and values of every layer, {@code contextSize} positions. */
    public long byteSize() {
        return byteSize;
    }
}
