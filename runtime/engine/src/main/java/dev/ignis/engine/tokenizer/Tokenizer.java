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

    /**
     * Whether a prompt starts with {@link #bos()}: GGUF {@code tokenizer.ggml.add_bos_token}, or, when the file
     * does not say, llama.cpp's default for the vocabulary type (SentencePiece and WordPiece yes, byte-level BPE
     * only for the pre-tokenizers llama.cpp names, Llama 3's among them). False when there is no BOS.
     */
    boolean addBos();

    /**
     * Whether a prompt ends with {@link #eos()}: GGUF {@code tokenizer.ggml.add_eos_token} (WordPiece: {@code
     * tokenizer.ggml.add_sep_token}, its {@code eos()} being {@code [SEP]}), or the vocabulary type's default.
     * False when there is no EOS.
     */
    boolean addEos();

    /**
     * A prompt's tokens with the special tokens the model wants around them, as llama.cpp adds them when asked
     * to add special tokens: BOS in front if {@link #addBos()}, unless the tokens already start with it (a chat
     * template that writes {@code bos_token}); EOS at the end if {@link #addEos()}, unless they already end with it.
     * Returns a new list.
     */
    default List<Integer> withSpecialTokens(List<Integer> tokens) {
        boolean bos = addBos() && (tokens.isEmpty() || tokens.getFirst() != bos());
        boolean eos = addEos() && (tokens.isEmpty() || tokens.getLast() != eos());
        List<Integer> out = new java.util.ArrayList<>(tokens.size() + 2);
        if (bos) {
            out.add(bos());
        }
        out.addAll(tokens);
        if (eos) {
            out.add(eos());
        }
        return out;
    }
}
