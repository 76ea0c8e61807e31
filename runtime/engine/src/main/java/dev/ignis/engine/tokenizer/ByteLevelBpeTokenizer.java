package dev.ignis.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte-level BPE (GGUF {@code tokenizer.ggml.model = gpt2}): the text is cut into chunks by the
 * vocabulary's pre-tokenizer regular expressions (applied in turn, each splitting the previous chunks,
 * unmatched gaps kept as chunks), each chunk's UTF-8 bytes are written as printable characters (GPT-2's
 * byte-to-unicode table), and adjacent symbols are merged by merge rank, lowest first.
 */
public final class ByteLevelBpeTokenizer implements Tokenizer {

    private static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    private static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** CJK ideographs, Hangul, and every script from U+0800 up to the ideographs, as DeepSeek writes it. */
    private static final String DEEPSEEK_CJK = "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+";

    /**
     * DeepSeek LLM: line breaks; Unicode's cased letters, listed as ranges; ASCII and full-width punctuation
     * (the range {@code :-~} takes in the ASCII letters too, so it cuts "Ωmega" into "Ω" and "mega");
     * trailing space; {@link #DEEPSEEK_CJK}; digit runs.
     */
    private static final List<String> DEEPSEEK_LLM = List.of(
            "[\\r\\n]",
            "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}"
                    + "\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}"
                    + "\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}"
                    + "\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}"
                    + "\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}"
                    + "\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}"
                    + "\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}"
                    + "\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}"
                    + "\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}"
                    + "\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}"
                    + "\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}"
                    + "\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}"
                    + "\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}"
                    + "\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"
                    + "\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"
                    + "\\x{1E900}-\\x{1E943}]+",
            "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
            "\\s+\\z", // "$" in DeepSeek's list; Java's $ would also match before a final line break
            DEEPSEEK_CJK,
            "\\p{N}+");

    /** DeepSeek Coder: line breaks; letter runs; punctuation runs; {@link #DEEPSEEK_CJK}; single digits. */
    private static final List<String> DEEPSEEK_CODER = List.of(
            "[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", DEEPSEEK_CJK, "\\p{N}");

    /** Pre-tokenizers by GGUF {@code tokenizer.ggml.pre}; each is a list of expressions applied in turn. */
    private static final Map<String, List<String>> PRE_TOKENIZERS = Map.ofEntries(
            Map.entry("gpt-2", List.of(GPT2)),
            Map.entry("gpt2", List.of(GPT2)),
            Map.entry("default", List.of(GPT2)),
            Map.entry("mpt", List.of(GPT2)),
            Map.entry("olmo", List.of(GPT2)),
            Map.entry("starcoder", List.of("\\p{N}", GPT2)),
            Map.entry("refact", List.of("\\p{N}", GPT2)),
            Map.entry("falcon", List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]")),
            Map.entry("llama-bpe", List.of(LLAMA3)),
            Map.entry("llama3", List.of(LLAMA3)),
            Map.entry("smaug-bpe", List.of(LLAMA3)),
            Map.entry("deepseek-llm", DEEPSEEK_LLM),
            Map.entry("deepseek-coder", DEEPSEEK_CODER),
            Map.entry("qwen2", List.of(QWEN2)),
            Map.entry("deepseek-r1-qwen", List.of(QWEN2)));

    /**
     * The pre-tokenizers for which llama.cpp adds BOS when the file has no {@code tokenizer.ggml.add_bos_token}
     * (Llama 3 and those built on it); every other byte-level BPE vocabulary gets none by default.
     */
    private static final Set<String> BOS_BY_DEFAULT = Set.of("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1",
            "pixtral", "midm-2.0", "lfm2", "jina-v5-nano", "tekken", "chameleon");

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final Map<Character, Integer> CHAR_TO_BYTE = new HashMap<>();

    static {
        // GPT-2: printable Latin-1 bytes stand for themselves, the others for code points from 256 upwards.
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + extra++);
            CHAR_TO_BYTE.put(BYTE_TO_CHAR[b], b);
        }
    }

    private final String[] tokens;
    private final int[] types;
    private final StringIntMap ids;
    private final StringIntMap ranks;
    private final List<Pattern> preTokenizer;
    private final int bos;
    private final int eos;
    private final boolean addBos;
    private final boolean addEos;
    private final SpecialTokens specials;

    /**
     * With llama.cpp's defaults for special tokens: a prompt gets BOS if {@link #addsBosByDefault the
     * pre-tokenizer} says so, never EOS.
     *
     * @param merges "left right" pairs, best first
     * @param pre    the GGUF {@code tokenizer.ggml.pre} name
     */
    public ByteLevelBpeTokenizer(List<String> tokens, int[] types, List<String> merges, String pre, int bos, int eos) {
        this(tokens, types, merges, pre, bos, eos, addsBosByDefault(pre), false);
    }

    /**
     * @param merges "left right" pairs, best first
     * @param pre    the GGUF {@code tokenizer.ggml.pre} name
     * @param addBos whether a prompt starts with BOS (GGUF {@code tokenizer.ggml.add_bos_token})
     * @param addEos whether a prompt ends with EOS (GGUF {@code tokenizer.ggml.add_eos_token})
     */
    public ByteLevelBpeTokenizer(List<String> tokens, int[] types, List<String> merges, String pre, int bos, int eos,
                                 boolean addBos, boolean addEos) {
        List<String> expressions = PRE_TOKENIZERS.get(pre);
        if (expressions == null) {
            throw new UnsupportedOperationException("BPE pre-tokenizer '" + pre + "' is not supported (supported: "
                    + new java.util.TreeSet<>(PRE_TOKENIZERS.keySet()) + ")");
        }
        this.preTokenizer = expressions.stream()
                .map(e -> Pattern.compile(e, Pattern.UNICODE_CHARACTER_CLASS)).toList();
        this.tokens = tokens.toArray(String[]::new);
        this.types = types.clone();
        this.ids = new StringIntMap(this.tokens.length);
        for (int i = 0; i < this.tokens.length; i++) {
            ids.putIfAbsent(this.tokens[i], i);
        }
        this.ranks = new StringIntMap(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            ranks.putIfAbsent(merges.get(i), i);
        }
        this.bos = bos;
        this.eos = eos;
        this.addBos = addBos && bos >= 0;
        this.addEos = addEos && eos >= 0;
        this.specials = new SpecialTokens(this.tokens, this.types);
    }

    @Override
    public List<Integer> encode(String text, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        for (Object fragment : specials.partition(text, parseSpecial)) {
            if (fragment instanceof Integer id) {
                out.add(id);
            } else {
                encodeRaw((String) fragment, out);
            }
        }
        return out;
    }

    private void encodeRaw(String text, List<Integer> out) {
        for (String chunk : preTokenize(text)) {
            byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
            List<String> symbols = new ArrayList<>(bytes.length);
            for (byte b : bytes) {
                symbols.add(String.valueOf(BYTE_TO_CHAR[b & 0xff]));
            }
            merge(symbols);
            for (String symbol : symbols) {
                int id = ids.get(symbol);
                if (id == StringIntMap.ABSENT) {
                    throw new IllegalStateException("the vocabulary lacks the byte symbol '" + symbol + "'");
                }
                out.add(id);
            }
        }
    }

    /** The chunks that BPE merges within, in order; they join back to the text. */
    List<String> preTokenize(String text) {
        List<String> chunks = List.of(text);
        for (Pattern pattern : preTokenizer) {
            List<String> next = new ArrayList<>();
            for (String chunk : chunks) {
                Matcher m = pattern.matcher(chunk);
                int last = 0;
                while (m.find()) {
                    if (m.start() > last) {
                        next.add(chunk.substring(last, m.start()));
                    }
                    if (m.end() > m.start()) {
                        next.add(m.group());
                    }
                    last = m.end();
                }
                if (last < chunk.length()) {
                    next.add(chunk.substring(last));
                }
            }
            chunks = next;
        }
        return chunks;
    }

    /** Merges the adjacent pair of lowest rank until no pair has a rank. */
    private void merge(List<String> symbols) {
        while (symbols.size() > 1) {
            int best = Integer.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                int rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (rank != StringIntMap.ABSENT && rank < best) {
                    best = rank;
                    at = i;
                }
            }
            if (at < 0) {
                return;
            }
            symbols.set(at, symbols.get(at) + symbols.get(at + 1));
            symbols.remove(at + 1);
        }
    }

    @Override
    public byte[] tokenBytes(int token) {
        if (types[token] == SpecialTokens.CONTROL) {
            return new byte[0];
        }
        String symbol = tokens[token];
        if (types[token] == SpecialTokens.USER_DEFINED) {
            // Stored as plain text, even when every character is also a byte symbol: DeepSeek's "ü" is the
            // text ü, not the byte 0xFC that GPT-2's table maps it to.
            return symbol.getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(symbol.length());
        for (int i = 0; i < symbol.length(); i++) {
            Integer b = CHAR_TO_BYTE.get(symbol.charAt(i));
            if (b == null) {
                // Not a byte symbol: a vocabulary that types its added tokens normal; read it as text.
                return symbol.getBytes(StandardCharsets.UTF_8);
            }
            out.write(b);
        }
        return out.toByteArray();
    }

    @Override
    public String piece(int token) {
        return tokens[token];
    }

    @Override
    public int vocabularySize() {
        return tokens.length;
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

    /**
     * Whether a vocabulary with this pre-tokenizer gets BOS when its file has no {@code
     * tokenizer.ggml.add_bos_token}: llama.cpp's rule, true for Llama 3's ({@code llama-bpe}) and a few others.
     */
    public static boolean addsBosByDefault(String pre) {
        return BOS_BY_DEFAULT.contains(pre);
    }
}
