package dev.ignis.engine.model;

import dev.ignis.engine.tensor.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The keys and values of one sequence, for every layer and position up to the context size set at load:
 * float32, position-major ({@code (position, kvDim)} per layer), in native memory outside the Java heap.
 * Off the heap, the caches cost exactly their size: the heap holds only a forward pass's activations and
 * can stay small whatever the context size and the number of sequences (slots), instead of being sized
 * for the largest caches and then committed by the collector.
 *
 * <p>The memory comes from {@link NativeMemory} (the C library's {@code calloc}), not from {@link
 * Arena#allocate}: an arena's native memory counts against the JVM's direct-memory limit, so a runtime with
 * a small fixed heap (384 MB) could not hold 16 slots of 512 positions of a 1B model; {@code calloc}'s pages
 * become resident only as positions are written, where an arena zeroes (touches) every page at once. One block per cache, each
 * layer's keys and values 64-byte aligned (a head's keys start on a cache line when the head size is a
 * multiple of 16); it is freed when the cache is no longer reachable (an automatic arena's cleanup). Native
 * access must be enabled for the engine ({@code --enable-native-access=ALL-UNNAMED}; the engine jar's
 * manifest enables it for {@code java -jar}).
 */
public final class KvCache {

    private static final long ALIGNMENT = 64;
    final MemorySegment[] keys;   // (layer) contextSize * kvDim floats
    final MemorySegment[] values; // (layer) contextSize * kvDim floats
    private final int contextSize;
    private final long byteSize;

    KvCache(LlamaConfig config, int contextSize) {
        this.contextSize = contextSize;
        long layerBytes = (long) contextSize * config.kvDim() * Float.BYTES;
        long stride = (layerBytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        long total = 2 * stride * config.layers();
        MemorySegment block = NativeMemory.allocate(total + ALIGNMENT, "a KV cache");
        long skip = (ALIGNMENT - block.address() % ALIGNMENT) % ALIGNMENT;
        keys = new MemorySegment[config.layers()];
        values = new MemorySegment[config.layers()];
        for (int l = 0; l < config.layers(); l++) {
            keys[l] = block.asSlice(skip + 2L * l * stride, layerBytes);
            values[l] = block.asSlice(skip + (2L * l + 1) * stride, layerBytes);
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
