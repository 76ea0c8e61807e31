package dev.ignis.engine.tokenizer;

import java.io.IOException;

/** Tokenizers built from shared files for tests in other packages. */
public final class TestTokenizers {

    private TestTokenizers() {
    }

    /** The Qwen2-family byte-level BPE vocabulary (151,665 tokens) of {@code tokenizers/qwen3/tokenizer.json}. */
    public static Tokenizer qwen() throws IOException {
        return TokenizerJsonVectorsTest.qwen("qwen2");
    }
}
