package dev.ignis.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GgufHeaderTest {

    @Test
    void readsStories260kVersion3() throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.file("stories260K/stories260K.gguf"))) {
            GgufHeader h = file.header();
            assertThat(h.version()).isEqualTo(3);
            assertThat(h.string("general.architecture")).contains("llama");
            assertThat(h.integer("llama.context_length")).hasValue(512);
            assertThat(h.integer("llama.embedding_length")).hasValue(64);
            assertThat(h.integer("llama.block_count")).hasValue(5);
            assertThat(h.integer("llama.attention.head_count")).hasValue(8);
            assertThat(h.integer("llama.attention.head_count_kv")).hasValue(4);
            assertThat(h.string("tokenizer.ggml.model")).contains("llama");
            assertThat((List<?>) h.metadata().get("tokenizer.ggml.tokens")).hasSize(512);
            assertThat(h.tensors()).allSatisfy(t -> assertThat(t.type()).isEqualTo(GgmlType.F32));
            GgufTensorInfo embedding = h.tensor("token_embd.weight").orElseThrow();
            assertThat(embedding.shape()).containsExactly(64, 512);
            assertThat(h.tensor("blk.4.ffn_down.weight")).isPresent();
            assertThat(h.parameterCount()).isEqualTo(h.tensorDataBytes() / 4);
            assertThat(h.tensorDataOffset() % h.alignment()).isZero();
            assertThat(h.tensorDataOffset() + h.tensorDataBytes()).isLessThanOrEqualTo(file.size());
        }
    }

    @Test
    void versionOneFileHoldsTheSameTensors() throws IOException {
        try (GgufFile v3 = GgufFile.open(SharedModels.file("stories260K/stories260K.gguf"));
             GgufFile v1 = GgufFile.open(SharedModels.file("stories260K/tinyllamas-stories-260k-f32.gguf"))) {
            assertThat(v1.header().version()).isEqualTo(1);
            assertThat(v1.header().tensors()).hasSameSizeAs(v3.header().tensors());
            for (GgufTensorInfo t : v3.header().tensors()) {
                GgufTensorInfo other = v1.header().tensor(t.name()).orElseThrow();
                assertThat(other.shape()).as(t.name()).containsExactly(t.shape());
                assertThat(other.type()).isEqualTo(t.type());
                assertThat(v1.tensorData(other).mismatch(v3.tensorData(t))).as(t.name()).isEqualTo(-1);
            }
        }
    }

    static Stream<Path> sharedGgufFiles() throws IOException {
        try (Stream<Path> files = Files.walk(SharedModels.dir())) {
            List<Path> all = files.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
            assertThat(all).hasSizeGreaterThan(10);
            return all.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("sharedGgufFiles")
    void streamAndMappedReadersAgreeOnEverySharedFile(Path path) throws IOException {
        GgufHeader streamed;
        try (InputStream in = Files.newInputStream(path)) {
            streamed = GgufHeader.read(in);
        }
        try (GgufFile mapped = GgufFile.open(path)) {
            GgufHeader m = mapped.header();
            assertThat(streamed.version()).isEqualTo(m.version());
            assertThat(streamed.metadata()).isEqualTo(m.metadata());
            assertThat(streamed.tensors()).isEqualTo(m.tensors());
            assertThat(streamed.tensorDataOffset()).isEqualTo(m.tensorDataOffset());
        }
    }

    @Test
    void embeddingModelsAreReadWithTheirTypes() throws IOException {
        try (GgufFile bge = GgufFile.open(SharedModels.file("embeddings/bge-small-en-v1.5/bge-small-en-v1.5-q8_0.gguf"))) {
            assertThat(bge.header().string("general.architecture")).contains("bert");
            assertThat(bge.header().tensors()).filteredOn(t -> t.dimensions() == 2 && t.name().startsWith("blk."))
                    .isNotEmpty().allSatisfy(t -> assertThat(t.type()).isEqualTo(GgmlType.Q8_0));
        }
    }

    @Test
    void largeVocabularyHeaderParsesQuickly() throws IOException {
        Path qwen = SharedModels.file("vocab/ggml-vocab-deepseek-coder.gguf");
        long start = System.nanoTime();
        GgufHeader h;
        try (InputStream in = Files.newInputStream(qwen)) {
            h = GgufHeader.read(in);
        }
        assertThat((List<?>) h.metadata().get("tokenizer.ggml.tokens")).hasSizeGreaterThan(30_000);
        assertThat(System.nanoTime() - start).as("nanoseconds to parse").isLessThan(5_000_000_000L);
    }
}
