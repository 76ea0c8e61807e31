package dev.ignis.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.gguf.GgufHeader;
import dev.ignis.engine.gguf.SharedModels;
import dev.ignis.engine.model.EmbeddingGolden;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** WordPiece built from the embedding models' own GGUF metadata reproduces the ids of their golden files. */
class WordPieceTokenizerTest {

    private static WordPieceTokenizer tokenizer(String file) throws IOException {
        try (InputStream in = Files.newInputStream(SharedModels.file(file))) {
            return (WordPieceTokenizer) Tokenizers.fromMetadata(GgufHeader.read(in));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"all-MiniLM-L6-v2/all-MiniLM-L6-v2-f32.gguf", "bge-small-en-v1.5/bge-small-en-v1.5-q8_0.gguf"})
    void goldenIdsAreReproduced(String model) throws IOException {
        WordPieceTokenizer tokenizer = tokenizer("embeddings/" + model);
        assertThat(tokenizer.uncased()).isTrue();
        var cases = EmbeddingGolden.of(model.substring(0, model.indexOf('/')));
        assertThat(cases).hasSize(10);
        for (EmbeddingGolden c : cases) {
            assertThat(tokenizer.encodeForEmbedding(c.text())).as(c.text()).isEqualTo(c.ids());
        }
    }

    @Test
    void basicPreTokenizerSplitsLikeBert() throws IOException {
        WordPieceTokenizer tokenizer = tokenizer("vocab/ggml-vocab-bert-bge.gguf");
        assertThat(tokenizer.words("Héllo,\u00a0WORLD\u200d!  我想x \t$5"))
                .containsExactly("hello", ",", "world", "!", "我", "想", "x", "$", "5");
        assertThat(tokenizer.encode("x".repeat(101))).containsExactly(tokenizer.unknown());
        assertThat(tokenizer.decode(tokenizer.encode("Unbelievably, tokenization!")))
                .isEqualTo("unbelievably , tokenization !");
        assertThat(tokenizer.encode("[SEP]", true)).containsExactly(tokenizer.eos());
        assertThat(tokenizer.encode("[SEP]", false)).hasSize(3);
    }
}
