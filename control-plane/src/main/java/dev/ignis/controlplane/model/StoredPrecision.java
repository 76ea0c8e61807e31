package dev.ignis.controlplane.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The precision a model file stores its weights in, named after the GGUF tensor type that holds most of
 * its parameters ({@code f32}, {@code f16}, {@code bf16}, {@code q8_0}, {@code q4_k}, ...), and the
 * quantizations it can therefore be served at: never more bits than stored.
 */
public final class StoredPrecision {

    private StoredPrecision() {
    }

    /** Effective bits per weight of a GGUF type name; 0 when unknown. */
    public static int bits(String typeName) {
        String t = typeName.toUpperCase(Locale.ROOT);
        if (t.equals("F32") || t.equals("F64")) {
            return 32;
        }
        if (t.equals("F16") || t.equals("BF16")) {
            return 16;
        }
        if (t.equals("FP8") || t.startsWith("F8")) {
            return 8;
        }
        if (t.startsWith("IQ")) {
            t = t.substring(1);
        }
        if (t.startsWith("Q") && t.length() > 1 && Character.isDigit(t.charAt(1))) {
            return t.charAt(1) - '0';
        }
        if (t.startsWith("TQ")) {
            return 2;
        }
        return 0;
    }

    public static List<Quantization> servable(String storedPrecision) {
        int stored = bits(storedPrecision);
        return Arrays.stream(Quantization.values()).filter(q -> q.bits() <= stored).toList();
    }
}
