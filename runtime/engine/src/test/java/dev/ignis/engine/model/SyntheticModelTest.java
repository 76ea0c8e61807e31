package dev.ignis.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.generate.Generator;
import dev.ignis.engine.gguf.GgmlType;
import dev.ignis.engine.gguf.GgufFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Synthetic models are real GGUF files the engine loads and runs, deterministic by seed. */
class SyntheticModelTest {

    @TempDir
    Path dir;

    @Test
    void tinyPresetLoadsAndRunsInEveryType() throws Exception {
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0)) {
            Path file = dir.resolve("tiny-" + type + ".gguf");
            SyntheticModel.write(SyntheticModel.PRESETS.get("tiny"), type, 7, file);
            try (GgufFile gguf = GgufFile.open(file); ModelLoader.LoadedModel loaded = ModelLoader.load(gguf)) {
                assertThat(gguf.header().tensor("blk.0.attn_q.weight").orElseThrow().type()).isEqualTo(type);
                assertThat(loaded.model().config().dim()).isEqualTo(256);
                assertThat(loaded.model().config().kvHeads()).isEqualTo(4);
                List<Integer> out = new Generator(loaded.model()).greedy(List.of(1, 300, 301), 12, t -> false, null);
                assertThat(out).hasSize(12).allSatisfy(t -> assertThat(t).isBetween(0, 1023));
            }
        }
    }

    @Test
    void sameSeedSameFile() throws Exception {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        SyntheticModel.write(SyntheticModel.PRESETS.get("tiny"), GgmlType.Q4_0, 3, a);
        SyntheticModel.write(SyntheticModel.PRESETS.get("tiny"), GgmlType.Q4_0, 3, b);
        assertThat(java.nio.file.Files.mismatch(a, b)).isEqualTo(-1);
    }
}
