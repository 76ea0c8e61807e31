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
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
                GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K)) {
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
    void qwenShapesLoadWithTheirBiasesAndNorms() throws Exception {
        // The presets' shapes scaled down: qwen3 with a head wider than dim / heads, as Qwen3 has.
        for (SyntheticModel.Shape shape : List.of(
                new SyntheticModel.Shape("qwen2", 128, 256, 2, 4, 2, 32, 1024, 1024, 1000000f),
                new SyntheticModel.Shape("qwen3", 128, 256, 2, 4, 2, 64, 1024, 1024, 1000000f))) {
            Path file = dir.resolve(shape.architecture() + ".gguf");
            SyntheticModel.write(shape, GgmlType.Q8_0, 5, file);
            try (GgufFile gguf = GgufFile.open(file); ModelLoader.LoadedModel loaded = ModelLoader.load(gguf)) {
                LlamaConfig c = loaded.model().config();
                assertThat(c.architecture()).isEqualTo(shape.architecture());
                assertThat(c.headSize()).isEqualTo(shape.headSize());
                assertThat(c.rope().layout()).isEqualTo(Rope.Layout.NEOX);
                assertThat(gguf.header().tensor("blk.1.attn_v.bias").isPresent()).isEqualTo(shape.architecture().equals("qwen2"));
                assertThat(gguf.header().tensor("blk.1.attn_k_norm.weight").isPresent())
                        .isEqualTo(shape.architecture().equals("qwen3"));
                List<Integer> out = new Generator(loaded.model()).greedy(List.of(1, 300, 301), 8, t -> false, null);
                assertThat(out).hasSize(8).allSatisfy(t -> assertThat(t).isBetween(0, 1023));
            }
        }
        assertThat(SyntheticModel.PRESETS).containsKeys("qwen2.5-0.5b", "qwen3-0.6b");
    }

    @Test
    void blockTypesRefuseShapesWhoseRowsTheirBlocksDoNotDivide() {
        Path file = dir.resolve("qwen2.5-q4_k.gguf");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> SyntheticModel.write(SyntheticModel.PRESETS.get("qwen2.5-0.5b"), GgmlType.Q4_K, 1, file))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rows of 896 values");
        assertThat(file).doesNotExist();
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
