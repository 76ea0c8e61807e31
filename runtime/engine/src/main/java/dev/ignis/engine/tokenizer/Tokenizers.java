package dev.ignis.engine.tokenizer;

import dev.ignis.engine.gguf.GgufHeader;
import java.util.List;

/** Builds the tokenizer a GGUF file describes ({@code tokenizer.ggml.*}). */
public final class Tokenizers {

    /**
     * Whether a prompt starts with BOS. Absent, llama.cpp's default for the vocabulary type applies:
     * SentencePiece and WordPiece yes, byte-level BPE only for some pre-tokenizers (Llama 3's); a Qwen2 file
     * says false, as its BOS id is {@code <|endoftext|>}.
     */
    static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    /** Whether a prompt ends with EOS; absent, no. */
    static final String ADD_EOS = "tokenizer.ggml.add_eos_token";

    private Tokenizers() {
    }

    public static Tokenizer fromMetadata(GgufHeader h) {
        String model = h.string("tokenizer.ggml.model").orElseThrow(() ->
                new IllegalArgumentException("the GGUF file has no tokenizer.ggml.model"));
        List<String> tokens = strings(h, "tokenizer.ggml.tokens");
        int[] types = new int[tokens.size()];
        if (h.metadata().get("tokenizer.ggml.token_type") instanceof List<?> list) {
            for (int i = 0; i < types.length; i++) {
                types[i] = ((Number) list.get(i)).intValue();
            }
        } else {
            java.util.Arrays.fill(types, 1);
        }
        int bos = (int) h.integer("tokenizer.ggml.bos_token_id").orElse(-1);
        int eos = (int) h.integer("tokenizer.ggml.eos_token_id").orElse(-1);
        return switch (model) {
            case "llama" -> {
                List<?> scoreList = (List<?>) h.metadata().get("tokenizer.ggml.scores");
                float[] scores = new float[tokens.size()];
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = scoreList == null ? 0f : ((Number) scoreList.get(i)).floatValue();
                }
                boolean spacePrefix = flag(h, "tokenizer.ggml.add_space_prefix", true);
                yield new SentencePieceTokenizer(tokens, scores, types, bos, eos, spacePrefix,
                        flag(h, ADD_BOS, true), flag(h, ADD_EOS, false));
            }
            case "gpt2" -> {
                String pre = h.string("tokenizer.ggml.pre").orElse("default");
                yield new ByteLevelBpeTokenizer(tokens, types, strings(h, "tokenizer.ggml.merges"), pre, bos, eos,
                        flag(h, ADD_BOS, ByteLevelBpeTokenizer.addsBosByDefault(pre)), flag(h, ADD_EOS, false));
            }
            case "bert" -> new WordPieceTokenizer(tokens, types, id(h, "tokenizer.ggml.unknown_token_id"),
                    id(h, "tokenizer.ggml.cls_token_id"),
                    // llama.cpp writes the key misspelt; accept the correct spelling too
                    h.integer("tokenizer.ggml.seperator_token_id").isPresent()
                            ? id(h, "tokenizer.ggml.seperator_token_id") : id(h, "tokenizer.ggml.separator_token_id"),
                    // [CLS] is BERT's BOS; [SEP] is llama.cpp's add_sep, not add_eos (which BERT leaves false)
                    flag(h, ADD_BOS, true), flag(h, "tokenizer.ggml.add_sep_token", true));
            default -> throw new UnsupportedOperationException("tokenizer '" + model
                    + "' is not supported yet (supported: llama, gpt2, bert)");
        };
    }

    private static boolean flag(GgufHeader h, String key, boolean absent) {
        return h.metadata().get(key) instanceof Boolean b ? b : absent;
    }

    private static int id(GgufHeader h, String key) {
        return (int) h.integer(key).orElseThrow(() -> new IllegalArgumentException("the GGUF file has no " + key));
    }

    private static List<String> strings(GgufHeader h, String key) {
        if (h.metadata().get(key) instanceof List<?> list) {
            return list.stream().map(String.class::cast).toList();
        }
        throw new IllegalArgumentException("the GGUF file has no array " + key);
    }
}
