package dev.ignis.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.gguf.SharedModels;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The KV caches' native memory: zeroed, 64-byte aligned, the size they report, and not counted against the
 * JVM's direct-memory limit (which defaults to the maximum heap: a runtime with a small fixed heap must still
 * hold the caches of all its slots).
 */
class KvCacheTest {

    @Test
    void cachesAreZeroedAlignedNativeMemoryOutsideTheDirectMemoryLimit() throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.file("stories260K/stories260K.gguf"));
                ModelLoader.LoadedModel loaded = ModelLoader.load(file)) {
            LlamaConfig config = loaded.model().config();
            BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
            long before = direct.getMemoryUsed();
            int positions = 65_536; // far more than the model's context: 80 MiB for stories260K's shape
            KvCache cache = new KvCache(config, positions);
            long layerBytes = (long) positions * config.kvDim() * Float.BYTES;
            assertThat(cache.byteSize()).isEqualTo(2 * layerBytes * config.layers()).isGreaterThan(64L << 20);
            assertThat(direct.getMemoryUsed()).as("direct memory in use").isEqualTo(before);
            for (int l = 0; l < config.layers(); l++) {
                for (MemorySegment segment : new MemorySegment[] {cache.keys[l], cache.values[l]}) {
                    assertThat(segment.byteSize()).isEqualTo(layerBytes);
                    assertThat(segment.address() % 64).isZero();
                    assertThat(segment.get(ValueLayout.JAVA_FLOAT, 0)).isZero();
                    assertThat(segment.get(ValueLayout.JAVA_FLOAT, layerBytes - Float.BYTES)).isZero();
                    segment.set(ValueLayout.JAVA_FLOAT, layerBytes - Float.BYTES, 1.5f);
                }
            }
            // Layers do not overlap: each last value is still the one written to it.
            for (int l = 0; l < config.layers(); l++) {
                assertThat(cache.keys[l].get(ValueLayout.JAVA_FLOAT, layerBytes - Float.BYTES)).isEqualTo(1.5f);
                assertThat(cache.values[l].get(ValueLayout.JAVA_FLOAT, 0)).isZero();
            }
        }
    }
}
