package dev.ignis.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Byte-level BPE on small hand-built vocabularies, and the pre-tokenizer chunks where llama.cpp's vectors
 * cannot tell the expressions apart: the deepseek-llm and deepseek-coder vectors also pass under the qwen2
 * expression. The expected chunks are what the same expressions give under JavaScript's regular expressions
 * (node 20, flag {@code u}), an engine independent of {@code java.util.regex}.
 */
class ByteLevelBpeTokenizerTest {

    private static List<String> chunks(String pre, String text) {
        return new ByteLevelBpeTokenizer(List.of(), new int[0], List.of(), pre, -1, -1).preTokenize(text);
    }

    @Test
    void deepseekLlmKeepsDigitRunsAndCutsScriptsApart() {
        assertThat(chunks("deepseek-llm", "中文English混合123测试。ok"))
                .containsExactly("中文", "English", "混合", "123", "测试", "。", "ok");
        assertThat(chunks("deepseek-llm", "$100 + <tag> ^_^"))
                .containsExactly("$", "100", " +", " <", "tag", ">", " ^_^");
        assertThat(chunks("deepseek-llm", "trailing spaces   ")).containsExactly("trailing", " spaces", "   ");
        assertThat(chunks("deepseek-llm", "a\r\nb  \n")).containsExactly("a", "\r", "\n", "b", "  ", "\n");
        assertThat(chunks("deepseek-llm", "Ωmega ²³ ½")).containsExactly("Ω", "mega", " ", "²³", " ", "½");
    }

    @Test
    void deepseekLlmLettersAreOnlyCasedLetters() {
        // ʔ and ǂ are uncased letters: no expression takes them, so they stay in the gap with their spaces.
        assertThat(chunks("deepseek-llm", "ǅungla ʔ ǂ")).containsExactly("ǅ", "ungla", " ʔ ǂ");
        // Devanagari falls in the range from U+0800, marks included.
        assertThat(chunks("deepseek-llm", "नमस्ते दुनिया")).containsExactly("नमस्ते", " ", "दुनिया");
    }

    @Test
    void deepseekCoderSplitsDigitsAndKeepsSymbolsInGaps() {
        assertThat(chunks("deepseek-coder", "中文English混合123测试。ok"))
                .containsExactly("中文", "English", "混合", "1", "2", "3", "测试", "。", "ok");
        // $ + < > ^ are symbols, not punctuation: they stay in the gaps between matches.
        assertThat(chunks("deepseek-coder", "$100 + <tag> ^_^"))
                .containsExactly("$", "1", "0", "0", " + <", "tag", "> ^", "_", "^");
        assertThat(chunks("deepseek-coder", "ǅungla ʔ ǂ")).containsExactly("ǅungla", " ʔ", " ǂ");
        assertThat(chunks("deepseek-coder", "Ωmega ²³ ½")).containsExactly("Ωmega", " ", "²", "³", " ", "½");
        // \p{L}+ stops at combining marks.
        assertThat(chunks("deepseek-coder", "नमस्ते")).containsExactly("नमस", "्", "त", "े");
    }

    @Test
    void ideographicSpaceMatchesTheRangesThatHoldIt() {
        // U+3000 lies in both the punctuation range 　-。 and the range from U+0800. llama.cpp's own engine
        // rewrites non-ASCII whitespace to U+000B before matching, so it would keep "\u3000wide" whole; the
        // expressions as written cut it off. No vector has the character.
        assertThat(chunks("deepseek-llm", "x \u3000wide")).containsExactly("x", " ", "\u3000", "wide");
        assertThat(chunks("deepseek-coder", "x \u3000wide")).containsExactly("x", " ", "\u3000", "wide");
    }

    @Test
    void userDefinedTokensDecodeAsTheirText() {
        // DeepSeek's user-defined "ü" is also GPT-2's byte symbol for 0xFC; as a token it stands for the text.
        Tokenizer tokenizer = new ByteLevelBpeTokenizer(List.of("F", "ü", "h"), new int[] {1, 4, 1}, List.of(),
                "gpt-2", -1, -1);
        List<Integer> ids = tokenizer.encode("Füh");
        assertThat(ids).containsExactly(0, 1, 2);
        assertThat(tokenizer.decode(ids)).isEqualTo("Füh");
    }
}
