package dev.ignis.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte-level BPE on small hand-built vocabularies. */
class ByteLevelBpeTokenizerTest {

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
