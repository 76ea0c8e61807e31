package dev.ignis.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * WordPiece as BERT uses it (GGUF {@code tokenizer.ggml.model = bert}). First the basic pre-tokenizer:
 * control characters are dropped and whitespace becomes a space, CJK ideographs become words of their own,
 * the text is split on whitespace, an uncased vocabulary lowercases and strips accents (NFD, then every
 * non-spacing mark removed), and each punctuation character becomes a word of its own. Then each word is
 * cut greedily into the longest pieces the vocabulary has, left to right; a word with a part that matches
 * nothing, or longer than {@value #MAX_WORD_CHARS} characters, becomes the unknown token as a whole.
 *
 * <p>GGUF files converted by llama.cpp do not store BERT's {@code ##} continuation prefix: a piece that
 * starts a word carries a {@code ▁} (U+2581) prefix instead, a continuation piece is stored bare, and
 * bracketed special tokens ({@code [CLS]}) are stored as they are.
 */
public final class WordPieceTokenizer implements Tokenizer {

    static final String WORD_START = "\u2581";
    static final int MAX_WORD_CHARS = 100;

    private final String[] pieces;
    private final StringIntMap ids;
    private final int unknown;
    private final int cls;
    private final int sep;
    private final boolean lowercase;
    private final boolean addCls;
    private final boolean addSep;
    private final SpecialTokens specials;
    private final int longestPiece; // in chars, ▁ included: no longer match can exist

    /**
     * @param unknown the id of {@code [UNK]}
     * @param cls     the id of {@code [CLS]}, put before a sequence to embed
     * @param sep     the id of {@code [SEP]}, put after it
     */
    public WordPieceTokenizer(List<String> pieces, int[] types, int unknown, int cls, int sep) {
        this(pieces, types, unknown, cls, sep, true, true);
    }

    /**
     * @param unknown the id of {@code [UNK]}
     * @param cls     the id of {@code [CLS]}, put before a sequence to embed
     * @param sep     the id of {@code [SEP]}, put after it
     * @param addCls  whether a prompt starts with {@code [CLS]} (GGUF {@code tokenizer.ggml.add_bos_token})
     * @param addSep  whether a prompt ends with {@code [SEP]} (GGUF {@code tokenizer.ggml.add_sep_token})
     */
    public WordPieceTokenizer(List<String> pieces, int[] types, int unknown, int cls, int sep, boolean addCls,
                              boolean addSep) {
        this.pieces = pieces.toArray(String[]::new);
        for (int id : new int[] {unknown, cls, sep}) {
            if (id < 0 || id >= this.pieces.length) {
                throw new IllegalArgumentException("WordPiece special token id " + id + " is outside the vocabulary of "
                        + this.pieces.length);
            }
        }
        this.unknown = unknown;
        this.cls = cls;
        this.sep = sep;
        this.addCls = addCls;
        this.addSep = addSep;
        this.specials = new SpecialTokens(this.pieces, types);
        int longest = 0;
        boolean cased = false;
        this.ids = new StringIntMap(this.pieces.length);
        for (int i = 0; i < this.pieces.length; i++) {
            ids.putIfAbsent(this.pieces[i], i);
            longest = Math.max(longest, this.pieces[i].length());
            if (types[i] != SpecialTokens.CONTROL && !this.pieces[i].equals(this.pieces[i].toLowerCase(Locale.ROOT))) {
                cased = true;
            }
        }
        this.longestPiece = longest;
        // GGUF has no do_lower_case flag: a vocabulary without upper-case pieces was built from lowercased text.
        this.lowercase = !cased;
    }

    /** Whether text is lowercased and stripped of accents (the vocabulary has no upper-case piece). */
    public boolean uncased() {
        return lowercase;
    }

    @Override
    public List<Integer> encode(String text, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        for (Object fragment : specials.partition(text, parseSpecial)) {
            if (fragment instanceof Integer id) {
                out.add(id);
            } else {
                for (String word : words((String) fragment)) {
                    pieces(word, out);
                }
            }
        }
        return out;
    }

    /**
     * The input of an embedding: {@code [CLS]}, the text's tokens, {@code [SEP]}, always (BERT is trained with
     * them and CLS pooling reads the first position), whatever {@link #addBos()} and {@link #addEos()} say.
     */
    public List<Integer> encodeForEmbedding(String text) {
        List<Integer> out = new ArrayList<>();
        out.add(cls);
        out.addAll(encode(text, false));
        out.add(sep);
        return out;
    }

    /** BERT's basic tokenizer: the words WordPiece then cuts into pieces. */
    List<String> words(String text) {
        StringBuilder cleaned = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                continue;
            }
            if (isWhitespace(cp)) {
                cleaned.append(' ');
            } else if (isCjk(cp)) {
                cleaned.append(' ').appendCodePoint(cp).append(' ');
            } else {
                cleaned.appendCodePoint(cp);
            }
        }
        List<String> words = new ArrayList<>();
        for (String token : cleaned.toString().split(" ")) {
            if (token.isEmpty()) {
                continue;
            }
            if (lowercase) {
                token = stripAccents(token.toLowerCase(Locale.ROOT));
            }
            splitOnPunctuation(token, words);
        }
        return words;
    }

    private static String stripAccents(String s) {
        String decomposed = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder(decomposed.length());
        decomposed.codePoints().filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK)
                .forEach(out::appendCodePoint);
        return out.toString();
    }

    private static void splitOnPunctuation(String token, List<String> words) {
        int start = 0;
        for (int i = 0; i < token.length(); ) {
            int cp = token.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (isPunctuation(cp)) {
                if (i > start) {
                    words.add(token.substring(start, i));
                }
                words.add(token.substring(i, next));
                start = next;
            }
            i = next;
        }
        if (start < token.length()) {
            words.add(token.substring(start));
        }
    }

    /** Greedy longest-match-first; the whole word is {@code [UNK]} when any part of it matches nothing. */
    private void pieces(String word, List<Integer> out) {
        if (word.codePointCount(0, word.length()) > MAX_WORD_CHARS) {
            out.add(unknown);
            return;
        }
        int mark = out.size();
        int start = 0;
        while (start < word.length()) {
            String prefix = start == 0 ? WORD_START : "";
            int end = Math.min(word.length(), start + longestPiece - prefix.length());
            if (end < word.length() && Character.isLowSurrogate(word.charAt(end))) {
                end--; // never split a surrogate pair
            }
            int match = StringIntMap.ABSENT;
            while (end > start && (match = ids.get(prefix + word.substring(start, end))) == StringIntMap.ABSENT) {
                end = word.offsetByCodePoints(end, -1);
            }
            if (match == StringIntMap.ABSENT) {
                out.subList(mark, out.size()).clear();
                out.add(unknown);
                return;
            }
            out.add(match);
            start = end;
        }
    }

    static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT;
    }

    /** ASCII symbols count as punctuation too ({@code $}, {@code +}, {@code ^}, ...), as in BERT. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** The CJK Unified Ideographs blocks (not Hangul, Hiragana or Katakana, which BERT treats as letters). */
    static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    @Override
    public String piece(int token) {
        return pieces[token];
    }

    /** A word-start piece reads as a space and the piece; a continuation piece as itself. */
    @Override
    public byte[] tokenBytes(int token) {
        String p = pieces[token];
        return (p.startsWith(WORD_START) ? " " + p.substring(WORD_START.length()) : p).getBytes(StandardCharsets.UTF_8);
    }

    /** Joins the pieces; the space before the first word is dropped. */
    @Override
    public String decode(List<Integer> tokens) {
        String text = decodeBytes(tokens);
        return text.startsWith(" ") ? text.substring(1) : text;
    }

    @Override
    public int vocabularySize() {
        return pieces.length;
    }

    /** {@code [CLS]}: what starts every sequence BERT reads. */
    @Override
    public int bos() {
        return cls;
    }

    /** {@code [SEP]}: what ends it. */
    @Override
    public int eos() {
        return sep;
    }

    /** Whether a prompt gets {@code [CLS]} in front: by default it does, as in llama.cpp. */
    @Override
    public boolean addBos() {
        return addCls;
    }

    /** Whether a prompt gets {@code [SEP]} at the end: by default it does, as in llama.cpp. */
    @Override
    public boolean addEos() {
        return addSep;
    }

    public int unknown() {
        return unknown;
    }
}
