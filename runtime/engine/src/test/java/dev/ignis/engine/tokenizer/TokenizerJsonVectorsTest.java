package dev.ignis.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.gguf.SharedModels;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's qwen2 and deepseek-r1-qwen tokenizer vectors, whose vocabulary GGUFs are not here: the
 * {@link ByteLevelBpeTokenizer} is built the way {@link Tokenizers} would from GGUF metadata, but from the
 * Qwen2-family vocabulary and merges of {@code tokenizers/qwen3/tokenizer.json} (DeepSeek-R1-Distill-Qwen keeps
 * Qwen2's byte-level vocabulary and merges; only its added tokens differ, and no vector uses them).
 */
class TokenizerJsonVectorsTest {

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "deepseek-r1-qwen"})
    void vectorsEncodeExactly(String pre) throws IOException {
        Tokenizer tokenizer = qwen(pre);
        String base = "vocab/ggml-vocab-" + pre + ".gguf";
        String[] cases = Files.readString(SharedModels.file(base + ".inp")).split("\n__ggml_vocab_test__\n", -1);
        List<String> out = Files.readAllLines(SharedModels.file(base + ".out"));
        List<String> failures = new ArrayList<>();
        int passed = 0;
        for (int i = 0; i < out.size() && i < cases.length; i++) {
            List<Integer> expected = Arrays.stream(out.get(i).strip().split(" ")).filter(x -> !x.isEmpty())
                    .map(Integer::parseInt).toList();
            List<Integer> actual = tokenizer.encode(cases[i]);
            if (!actual.equals(expected)) {
                failures.add("'" + cases[i].replace("\n", "\\n") + "': expected " + expected + " got " + actual);
            } else if (!tokenizer.decode(actual).equals(cases[i])) {
                failures.add("'" + cases[i].replace("\n", "\\n") + "' decodes to '" + tokenizer.decode(actual) + "'");
            } else {
                passed++;
            }
        }
        System.out.println(pre + " vectors from tokenizer.json: " + passed + "/" + out.size() + " pass");
        assertThat(failures).as(pre).isEmpty();
        assertThat(out).hasSizeGreaterThan(40);
    }

    @Test
    void chatControlTokensParseOnlyWhenAsked() throws IOException {
        Tokenizer tokenizer = qwen("qwen2");
        List<Integer> parsed = tokenizer.encode("<|im_start|>user\nHi<|im_end|>", true);
        assertThat(parsed.getFirst()).isEqualTo(151644);
        assertThat(parsed.getLast()).isEqualTo(151645);
        assertThat(tokenizer.encode("<|im_start|>", false)).doesNotContain(151644);
    }

    /** The vocabulary as GGUF metadata would list it: every id, added tokens typed control (3) or user-defined (4). */
    @SuppressWarnings("unchecked")
    static Tokenizer qwen(String pre) throws IOException {
        Map<String, Object> json = (Map<String, Object>) TestJson.parse(
                Files.readString(SharedModels.file("tokenizers/qwen3/tokenizer.json")));
        Map<String, Object> model = (Map<String, Object>) json.get("model");
        assertThat(model.get("type")).isEqualTo("BPE");
        Map<String, Object> vocab = (Map<String, Object>) model.get("vocab");
        List<Map<String, Object>> added = (List<Map<String, Object>>) json.get("added_tokens");
        int size = vocab.size() + added.size();
        String[] tokens = new String[size];
        int[] types = new int[size];
        vocab.forEach((piece, id) -> {
            tokens[((Double) id).intValue()] = piece;
            types[((Double) id).intValue()] = 1;
        });
        for (Map<String, Object> token : added) {
            int id = ((Double) token.get("id")).intValue();
            tokens[id] = (String) token.get("content");
            types[id] = Boolean.TRUE.equals(token.get("special")) ? 3 : 4;
        }
        assertThat(tokens).doesNotContainNull();
        List<String> merges = ((List<Object>) model.get("merges")).stream()
                .map(m -> m instanceof List<?> pair ? pair.get(0) + " " + pair.get(1) : (String) m).toList();
        int eos = Arrays.asList(tokens).indexOf("<|endoftext|>");
        return new ByteLevelBpeTokenizer(Arrays.asList(tokens), types, merges, pre, -1, eos);
    }
}
