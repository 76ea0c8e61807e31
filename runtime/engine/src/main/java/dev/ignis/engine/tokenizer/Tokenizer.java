package dev.ignis.engine.tokenizer;

import java.util.List;

/** Text to token ids and back, with the model's special tokens. */
public interface Tokenizer {

    /** Encodes text without adding BOS or EOS. */
    List<Integer> encode(String text);

    /** The bytes a token stands for, decoded as UTF-8 once a whole sequence is joined. */
    byte[] tokenBytes(int token);

    /** Decodes a sequence of tokens; a leading space produced by the space prefix is dropped. */
    String decode(List<Integer> tokens);

    int vocabularySize();

    int bos();

    int eos();
}
