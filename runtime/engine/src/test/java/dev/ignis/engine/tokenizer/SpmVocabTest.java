package dev.ignis.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.gguf.GgufHeader;
import dev.ignis.engine.gguf.SharedModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The llama.cpp SentencePiece test vectors (vocab/ggml-vocab-llama-spm.gguf.inp/.out), every one of them. */
class SpmVocabTest {

    @Test
    void llamaSpmVectorsEncodeExactly() throws IOException {
        GgufHeader h;
        try (InputStream in = Files.newInputStream(SharedModels.file("vocab/ggml-vocab-llama-spm.gguf"))) {
            h = GgufHeader.read(in);
        }
        List<?> tokens = (List<?>) h.metadata().get("tokenizer.ggml.tokens");
        List<?> scores = (List<?>) h.metadata().get("tokenizer.ggml.scores");
        List<?> types = (List<?>) h.metadata().get("tokenizer.ggml.token_type");
        float[] s = new float[tokens.size()];
        int[] t = new int[tokens.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = ((Number) scores.get(i)).floatValue();
            t[i] = ((Number) types.get(i)).intValue();
        }
        Tokenizer tokenizer = new SentencePieceTokenizer(tokens.stream().map(String.class::cast).toList(), s, t, 1, 2,
                true);

        String inp = Files.readString(SharedModels.file("vocab/ggml-vocab-llama-spm.gguf.inp"));
        List<String> out = Files.readAllLines(SharedModels.file("vocab/ggml-vocab-llama-spm.gguf.out"));
        String[] cases = inp.split("\n__ggml_vocab_test__\n", -1);
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (int i = 0; i < out.size() && i < cases.length; i++) {
            List<Integer> expected = Arrays.stream(out.get(i).strip().split(" ")).filter(x -> !x.isEmpty())
                    .map(Integer::parseInt).toList();
            List<Integer> actual = tokenizer.encode(cases[i]);
            if (!actual.equals(expected)) {
                failures.add("'" + cases[i] + "': expected " + expected + " got " + actual);
            } else {
                checked++;
            }
            if (!cases[i].isEmpty()) {
                assertThat(tokenizer.decode(actual)).as("round trip of '%s'", cases[i]).isEqualTo(cases[i]);
            }
        }
        assertThat(failures).isEmpty();
        assertThat(checked).isGreaterThan(30);
    }
}
