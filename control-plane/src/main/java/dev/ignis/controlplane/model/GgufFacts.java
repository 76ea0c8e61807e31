package dev.ignis.controlplane.model;

import dev.ignis.engine.gguf.GgufHeader;
import dev.ignis.engine.gguf.GgufTensorInfo;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the catalog needs from a GGUF header: architecture, size, context, the shape of the KV cache and
 * the stored precision. Key names are those of the GGUF specification ({@code <arch>.context_length}, ...).
 */
public record GgufFacts(String architecture, long parameterCount, Integer maxContext, Integer layerCount,
                        Integer kvWidth, String storedPrecision, boolean chatTemplate, int tensorCount,
                        Optional<String> licence) {

    /** Encoder-only architectures: served for embeddings, no KV cache. */
    private static final Set<String> ENCODERS = Set.of("bert", "nomic-bert", "jina-bert-v2", "modern-bert");

    public static GgufFacts of(GgufHeader header) {
        String arch = header.string("general.architecture").orElse("unknown");
        Integer context = intValue(header, arch + ".context_length");
        Integer layers = intValue(header, arch + ".block_count");
        Integer heads = intValue(header, arch + ".attention.head_count");
        Integer kvHeads = intValue(header, arch + ".attention.head_count_kv");
        Integer embedding = intValue(header, arch + ".embedding_length");
        Integer keyLength = intValue(header, arch + ".attention.key_length");
        Integer kvWidth = null;
        if (ENCODERS.contains(arch)) {
            kvWidth = 0;
        } else if (heads != null && heads > 0) {
            int headDim = keyLength != null ? keyLength : embedding == null ? 0 : embedding / heads;
            kvWidth = (kvHeads != null ? kvHeads : heads) * headDim;
        }
        return new GgufFacts(arch, header.parameterCount(), context, layers, kvWidth, dominantType(header),
                header.string("tokenizer.chat_template").isPresent(), header.tensors().size(),
                header.string("general.license"));
    }

    public boolean encoder() {
        return ENCODERS.contains(architecture);
    }

    public ModelTask inferredTask() {
        if (encoder()) {
            return ModelTask.EMBEDDING;
        }
        return chatTemplate ? ModelTask.CHAT : ModelTask.COMPLETION;
    }

    /** The tensor type holding most elements among weight matrices (norms and biases are kept in F32). */
    private static String dominantType(GgufHeader header) {
        Map<String, Long> elements = new HashMap<>();
        for (GgufTensorInfo tensor : header.tensors()) {
            if (tensor.shape().length >= 2) {
                elements.merge(tensor.type().name(), tensor.elementCount(), Long::sum);
            }
        }
        return elements.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(e -> e.getKey().toLowerCase(java.util.Locale.ROOT)).orElse(null);
    }

    private static Integer intValue(GgufHeader header, String key) {
        var value = header.integer(key);
        if (value.isEmpty() || value.getAsLong() < 0 || value.getAsLong() > Integer.MAX_VALUE) {
            return null;
        }
        return (int) value.getAsLong();
    }
}
