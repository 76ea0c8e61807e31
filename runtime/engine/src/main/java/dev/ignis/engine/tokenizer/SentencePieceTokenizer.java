package dev.ignis.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * SentencePiece-style BPE as Llama and its relatives use it (GGUF {@code tokenizer.ggml.model = llama}):
 * spaces become {@code ▁} (U+2581), a {@code ▁} is prefixed to the text, every character starts as its
 * own piece (or as byte tokens {@code <0xNN>} when the vocabulary lacks it), then the adjacent pair whose
 * merge is in the vocabulary with the highest score is merged, leftmost first on ties, until none is left.
 */
public final class SentencePieceTokenizer implements Tokenizer {

    private static final String SPACE = "\u2581";
    /** GGUF token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte. */
    private static final int TYPE_BYTE = 6;

    private final String[] pieces;
    private final float[] scores;
    private final int[] types;
    private final StringIntMap ids;
    private final int[] byteTokens = new int[256];
    private final int bos;
    private final int eos;
    private final boolean addSpacePrefix;
    private final boolean addBos;
    private final boolean addEos;
    private final SpecialTokens specials;

    /** With SentencePiece's defaults for special tokens: a prompt gets BOS, not EOS. */
    public SentencePieceTokenizer(List<String> pieces, float[] scores, int[] types, int bos, int eos,
                                  boolean addSpacePrefix) {
        this(pieces, scores, types, bos, eos, addSpacePrefix, true, false);
    }

    /**
     * @param addBos whether a prompt starts with BOS (GGUF {@code tokenizer.ggml.add_bos_token})
     * @param addEos whether a prompt ends with EOS (GGUF {@code tokenizer.ggml.add_eos_token})
     */
    public SentencePieceTokenizer(List<String> pieces, float[] scores, int[] types, int bos, int eos,
                                  boolean addSpacePrefix, boolean addBos, boolean addEos) {
        this.pieces = pieces.toArray(String[]::new);
        this.scores = scores.clone();
        this.types = types.clone();
        this.bos = bos;
        this.eos = eos;
        this.addSpacePrefix = addSpacePrefix;
        this.addBos = addBos && bos >= 0;
        this.addEos = addEos && eos >= 0;
        java.util.Arrays.fill(byteTokens, -1);
        this.specials = new SpecialTokens(this.pieces, this.types);
        this.ids = new StringIntMap(this.pieces.length);
        for (int i = 0; i < this.pieces.length; i++) {
            ids.putIfAbsent(this.pieces[i], i);
            if (types[i] == TYPE_BYTE && this.pieces[i].length() == 6 && this.pieces[i].startsWith("<0x")) {
                byteTokens[Integer.parseInt(this.pieces[i].substring(3, 5), 16)] = i;
            }
        }
    }

    @Override
    public List<Integer> encode(String text, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        boolean first = true;
        for (Object fragment : specials.partition(text, parseSpecial)) {
            if (fragment instanceof Integer id) {
                out.add(id);
            } else {
                out.addAll(encodeRaw((String) fragment, first));
            }
            first = false;
        }
        return out;
    }

    /** The space prefix goes only before the start of the text, not before text after a special token. */
    private List<Integer> encodeRaw(String text, boolean atStart) {
        List<Integer> tokens = new ArrayList<>();
        if (text.isEmpty()) {
            return tokens;
        }
        String normalized = (addSpacePrefix && atStart ? SPACE : "") + text.replace(" ", SPACE);
        // One piece per code point, or its UTF-8 bytes as byte tokens.
        for (int i = 0; i < normalized.length(); ) {
            int cp = normalized.codePointAt(i);
            String ch = new String(Character.toChars(cp));
            int id = ids.get(ch);
            if (id != StringIntMap.ABSENT) {
                tokens.add(id);
            } else {
                for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
                    int byteToken = byteTokens[b & 0xff];
                    if (byteToken < 0) {
                        throw new IllegalStateException("the vocabulary has neither '" + ch + "' nor byte tokens");
                    }
                    tokens.add(byteToken);
                }
            }
            i += Character.charCount(cp);
        }
        // Merge the best-scoring adjacent pair until no pair merges into a known piece.
        while (true) {
            float best = Float.NEGATIVE_INFINITY;
            int bestIndex = -1;
            int bestId = -1;
            for (int i = 0; i + 1 < tokens.size(); i++) {
                int merged = ids.get(pieces[tokens.get(i)] + pieces[tokens.get(i + 1)]);
                if (merged != StringIntMap.ABSENT && scores[merged] > best) {
                    best = scores[merged];
                    bestIndex = i;
                    bestId = merged;
                }
            }
            if (bestIndex < 0) {
                return tokens;
            }
            tokens.set(bestIndex, bestId);
            tokens.remove(bestIndex + 1);
        }
    }

    @Override
    public byte[] tokenBytes(int token) {
        if (types[token] == TYPE_BYTE && pieces[token].startsWith("<0x")) {
            return new byte[] {(byte) Integer.parseInt(pieces[token].substring(3, 5), 16)};
        }
        if (types[token] == 3) {
            return new byte[0]; // control tokens (BOS, EOS) have no text
        }
        return pieces[token].replace(SPACE, " ").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(List<Integer> tokens) {
        String text = decodeBytes(tokens);
        return addSpacePrefix && text.startsWith(" ") ? text.substring(1) : text;
    }

    @Override
    public String piece(int token) {
        return pieces[token];
    }

    @Override
    public int vocabularySize() {
        return pieces.length;
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
    }

    @Override
    public boolean addBos() {
        return addBos;
    }

    @Override
    public boolean addEos() {
        return addEos;
    }
}
