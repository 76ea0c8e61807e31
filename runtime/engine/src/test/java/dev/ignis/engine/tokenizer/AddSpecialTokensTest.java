package dev.ignis.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.gguf.GgufHeader;
import dev.ignis.engine.gguf.GgufWriter;
import dev.ignis.engine.gguf.SharedModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whether a prompt gets BOS (and EOS): GGUF {@code tokenizer.ggml.add_bos_token} / {@code add_eos_token}, and
 * llama.cpp's defaults per vocabulary type when a file does not say. Real files where they carry the keys (or
 * lack them); their metadata rewritten where no file here has the case.
 */
class AddSpecialTokensTest {

    private static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    private static final String ADD_EOS = "tokenizer.ggml.add_eos_token";

    @TempDir
    Path dir;

    private static GgufHeader header(String file) throws IOException {
        try (InputStream in = Files.newInputStream(SharedModels.file(file))) {
            return GgufHeader.read(in);
        }
    }

    /** The file's metadata with some keys changed ({@code null} removes one), written and read back. */
    private GgufHeader rewritten(String file, Map<String, Object> changes) throws IOException {
        GgufWriter w = new GgufWriter();
        Map<String, Object> metadata = new LinkedHashMap<>(header(file).metadata());
        changes.forEach((key, value) -> {
            if (value == null) {
                metadata.remove(key);
            } else {
                metadata.put(key, value);
            }
        });
        metadata.forEach((key, value) -> w.put(key, writable(value)));
        Path out = dir.resolve("rewritten.gguf");
        w.write(out);
        try (InputStream in = Files.newInputStream(out)) {
            return GgufHeader.read(in);
        }
    }

    /** GgufHeader reads numbers as Long and Double; GgufWriter takes Integer and Float. */
    private static Object writable(Object value) {
        return switch (value) {
            case Long l -> (int) (long) l;
            case Double d -> (float) (double) d;
            case List<?> list -> {
                List<Object> out = new ArrayList<>(list.size());
                list.forEach(v -> out.add(writable(v)));
                yield out;
            }
            default -> value;
        };
    }

    private static Map<String, Object> changes(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    @ParameterizedTest(name = "{0}: add_bos {1}, add_eos {2}")
    @CsvSource({
            // the files say so (add_bos_token = true, add_eos_token = false)
            "vocab/ggml-vocab-llama-spm.gguf, true, false",
            "vocab/ggml-vocab-phi-3.gguf, true, false",
            "vocab/ggml-vocab-deepseek-llm.gguf, true, false",
            "vocab/ggml-vocab-deepseek-coder.gguf, true, false",
            // absent: SentencePiece adds BOS
            "stories260K/stories260K.gguf, true, false",
            "stories260K/tinyllamas-stories-260k-f32.gguf, true, false",
            // absent: byte-level BPE adds nothing for these pre-tokenizers, though their BOS id is set
            "vocab/ggml-vocab-gpt-2.gguf, false, false",
            "vocab/ggml-vocab-mpt.gguf, false, false",
            "vocab/ggml-vocab-starcoder.gguf, false, false",
            "vocab/ggml-vocab-refact.gguf, false, false",
            "vocab/ggml-vocab-falcon.gguf, false, false",
            // absent: WordPiece puts [CLS] in front and [SEP] at the end
            "vocab/ggml-vocab-bert-bge.gguf, true, true",
            "embeddings/all-MiniLM-L6-v2/all-MiniLM-L6-v2-f32.gguf, true, true"})
    void realFiles(String file, boolean addBos, boolean addEos) throws IOException {
        GgufHeader h = header(file);
        Tokenizer tokenizer = Tokenizers.fromMetadata(h);
        assertThat(tokenizer.addBos()).isEqualTo(addBos);
        assertThat(tokenizer.addEos()).isEqualTo(addEos);
        List<Integer> text = tokenizer.encode("Hello world");
        List<Integer> expected = new ArrayList<>();
        if (addBos) {
            expected.add(tokenizer.bos());
        }
        expected.addAll(text);
        if (addEos) {
            expected.add(tokenizer.eos());
        }
        assertThat(tokenizer.withSpecialTokens(text)).isEqualTo(expected);
    }

    @Test
    void aQwen2VocabularyWithAddBosFalseGetsNoBos() throws IOException {
        // Qwen2's files: byte-level BPE, BOS id = <|endoftext|>, add_bos_token = false.
        Tokenizer tokenizer = Tokenizers.fromMetadata(rewritten("vocab/ggml-vocab-gpt-2.gguf",
                changes("tokenizer.ggml.pre", "qwen2", ADD_BOS, false)));
        assertThat(tokenizer.piece(tokenizer.bos())).isEqualTo("<|endoftext|>");
        assertThat(tokenizer.addBos()).isFalse();
        List<Integer> text = tokenizer.encode("Hello world");
        assertThat(tokenizer.withSpecialTokens(text)).isEqualTo(text);
    }

    @ParameterizedTest(name = "{0}, pre {1}, add_bos_token {2}: {3}")
    @CsvSource({
            // byte-level BPE: the key wins over the pre-tokenizer's default
            "vocab/ggml-vocab-gpt-2.gguf, gpt-2, true, true",
            "vocab/ggml-vocab-gpt-2.gguf, qwen2, , false",
            "vocab/ggml-vocab-gpt-2.gguf, llama-bpe, , true", // Llama 3 without the key: llama.cpp adds BOS
            "vocab/ggml-vocab-gpt-2.gguf, llama-bpe, false, false",
            "vocab/ggml-vocab-deepseek-llm.gguf, deepseek-llm, , false",
            "vocab/ggml-vocab-deepseek-llm.gguf, deepseek-llm, false, false",
            // SentencePiece
            "vocab/ggml-vocab-llama-spm.gguf, default, false, false",
            "vocab/ggml-vocab-llama-spm.gguf, default, , true",
            // WordPiece
            "vocab/ggml-vocab-bert-bge.gguf, bert-bge, false, false",
            "vocab/ggml-vocab-bert-bge.gguf, bert-bge, true, true"})
    void theKeyOrTheDefault(String file, String pre, Boolean addBosToken, boolean addBos) throws IOException {
        Tokenizer tokenizer = Tokenizers.fromMetadata(rewritten(file, changes("tokenizer.ggml.pre", pre,
                ADD_BOS, addBosToken)));
        assertThat(tokenizer.addBos()).isEqualTo(addBos);
        List<Integer> text = tokenizer.encode("Hello");
        assertThat(tokenizer.withSpecialTokens(text).getFirst() == tokenizer.bos()).isEqualTo(addBos);
    }

    @Test
    void addEosTokenAppendsEos() throws IOException {
        Tokenizer tokenizer = Tokenizers.fromMetadata(rewritten("vocab/ggml-vocab-llama-spm.gguf",
                changes(ADD_EOS, true)));
        assertThat(tokenizer.addEos()).isTrue();
        List<Integer> text = tokenizer.encode("Hello");
        assertThat(tokenizer.withSpecialTokens(text)).startsWith(1).endsWith(2).hasSize(text.size() + 2);
        // WordPiece's EOS is [SEP]: llama.cpp's add_sep_token says whether it goes at the end.
        Tokenizer bert = Tokenizers.fromMetadata(rewritten("vocab/ggml-vocab-bert-bge.gguf",
                changes("tokenizer.ggml.add_sep_token", false)));
        assertThat(bert.addBos()).isTrue();
        assertThat(bert.addEos()).isFalse();
    }

    @Test
    void withoutABosIdNothingIsAdded() throws IOException {
        Tokenizer tokenizer = Tokenizers.fromMetadata(rewritten("vocab/ggml-vocab-llama-spm.gguf",
                changes("tokenizer.ggml.bos_token_id", null, ADD_BOS, true)));
        assertThat(tokenizer.bos()).isEqualTo(-1);
        assertThat(tokenizer.addBos()).isFalse();
        assertThat(tokenizer.withSpecialTokens(List.of())).isEmpty();
    }

    @Test
    void aTemplatesBosIsNotDoubled() throws IOException {
        // A chat template writing {{ bos_token }}: the rendered text, read with special tokens, starts with BOS.
        Tokenizer tokenizer = Tokenizers.fromMetadata(header("vocab/ggml-vocab-phi-3.gguf"));
        List<Integer> rendered = tokenizer.encode("<s><|user|>\nHi<|end|>\n<|assistant|>\n", true);
        assertThat(rendered.getFirst()).isEqualTo(tokenizer.bos());
        assertThat(tokenizer.withSpecialTokens(rendered)).isEqualTo(rendered);
        // Without it, BOS goes in front.
        List<Integer> bare = tokenizer.encode("<|user|>\nHi<|end|>\n<|assistant|>\n", true);
        assertThat(tokenizer.withSpecialTokens(bare)).startsWith(tokenizer.bos()).hasSize(bare.size() + 1);
    }

    @Test
    void testConstructorsUseTheDefaults() {
        List<String> pieces = List.of("<unk>", "<s>", "</s>", "a");
        int[] types = {2, 3, 3, 1};
        SentencePieceTokenizer spm = new SentencePieceTokenizer(pieces, new float[4], types, 1, 2, true);
        assertThat(spm.addBos()).isTrue();
        assertThat(spm.addEos()).isFalse();
        assertThat(new ByteLevelBpeTokenizer(pieces, types, List.of(), "qwen2", 1, 2).addBos()).isFalse();
        assertThat(new ByteLevelBpeTokenizer(pieces, types, List.of(), "llama-bpe", 1, 2).addBos()).isTrue();
        assertThat(new ByteLevelBpeTokenizer(pieces, types, List.of(), "llama-bpe", -1, 2).addBos()).isFalse();
        WordPieceTokenizer wordPiece = new WordPieceTokenizer(pieces, types, 0, 1, 2);
        assertThat(wordPiece.addBos()).isTrue();
        assertThat(wordPiece.addEos()).isTrue();
        assertThat(wordPiece.withSpecialTokens(List.of(3))).containsExactly(1, 3, 2);
    }
}
