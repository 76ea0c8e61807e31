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
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's tokenizer test vectors ({@code vocab/*.gguf.inp/.out}) for every vocabulary whose GGUF is
 * here and whose tokenizer the engine supports: every string must encode to exactly the listed ids, and
 * decode back to itself (except through WordPiece, which lowercases, strips accents and drops spacing).
 */
class VocabVectorsTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "phi-3", "gpt-2", "mpt", "starcoder", "refact", "falcon", "bert-bge",
            "deepseek-llm", "deepseek-coder"})
    void vectorsEncodeExactly(String vocab) throws IOException {
        String base = "vocab/ggml-vocab-" + vocab + ".gguf";
        GgufHeader h;
        try (InputStream in = Files.newInputStream(SharedModels.file(base))) {
            h = GgufHeader.read(in);
        }
        Tokenizer tokenizer = Tokenizers.fromMetadata(h);
        String inp = Files.readString(SharedModels.file(base + ".inp"));
        List<String> out = Files.readAllLines(SharedModels.file(base + ".out"));
        String[] cases = inp.split("\n__ggml_vocab_test__\n", -1);
        List<String> failures = new ArrayList<>();
        int passed = 0;
        for (int i = 0; i < out.size() && i < cases.length; i++) {
            List<Integer> expected = Arrays.stream(out.get(i).strip().split(" ")).filter(x -> !x.isEmpty())
                    .map(Integer::parseInt).toList();
            List<Integer> actual = tokenizer.encode(cases[i]);
            if (!actual.equals(expected)) {
                failures.add("'" + cases[i].replace("\n", "\\n") + "': expected " + expected + " got " + actual);
            } else if (!cases[i].isEmpty() && !(tokenizer instanceof WordPieceTokenizer)
                    && !tokenizer.decode(actual).equals(cases[i])) {
                failures.add("'" + cases[i].replace("\n", "\\n") + "' decodes to '" + tokenizer.decode(actual) + "'");
            } else {
                passed++;
            }
        }
        System.out.println(vocab + " vectors: " + passed + "/" + out.size() + " pass");
        assertThat(failures).as(vocab).isEmpty();
        assertThat(out).hasSizeGreaterThan(20);
    }
}
