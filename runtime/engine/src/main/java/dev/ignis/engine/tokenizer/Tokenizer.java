package dev.ignis.engine.tokenizer;

import java.util.List;

/** Text to token ids and back, with the model's special tokens. */
public interface Tokenizer {

    /** Encodes plain text without adding BOS or EOS; special-token text stays text. */
    default List<Integer> encode(String text) {
        return encode(text, false);
    }

    /**
     * Encodes text without adding BOS or EOS; with {@code parseSpecial}, control tokens written in the text
     * (a rendered chat template's {@code <|im_start|>}) become those tokens.
     */
    List<Integer> encode(String text, boolean parseSpecial);

    /** The vocabulary's string for a token, as stored (e.g. {@code <s>}, {@code ▁the}). */
    String piece(int token);

    /** The bytes a token stands for, decoded as UTF-8 once a whole sequence is joined. */
    byte[] tokenBytes(int token);

    /** Decodes a sequence of tokens; a leading space produced by the space prefix is dropped. */
    default String decode(List<Integer> tokens) {
        return decodeBytes(tokens);
    }

    /** The tokens' bytes joined and read as UTF-8 (invalid sequences become U+FFFD). */
    default String decodeBytes(List<Integer> tokens) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int token : tokens) {
            out.writeBytes(tokenBytes(token));
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    int vocabularySize();

    int bos();

    int eos();
}
