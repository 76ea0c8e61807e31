package dev.ignis.engine.model;

import dev.ignis.engine.gguf.GgmlType;
import dev.ignis.engine.tensor.Quantizer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The precision a model is served at, as the management API names it: weights stored at higher precision
 * are converted at load time; converting to a higher precision than stored is refused.
 */
public enum Precision {
    FP16(16, Quantizer.Target.F16, GgmlType.F16),
    BF16(16, Quantizer.Target.BF16, GgmlType.BF16),
    FP8(8, Quantizer.Target.FP8, null),
    INT8(8, Quantizer.Target.Q8_0, GgmlType.Q8_0),
    INT4(4, Quantizer.Target.Q4_0, GgmlType.Q4_0);

    private final int bits;
    private final Quantizer.Target target;
    private final GgmlType storedAs;

    Precision(int bits, Quantizer.Target target, GgmlType storedAs) {
        this.bits = bits;
        this.target = target;
        this.storedAs = storedAs;
    }

    public int bits() {
        return bits;
    }

    Quantizer.Target target() {
        return target;
    }

    /** The GGUF type that already is this precision (no conversion needed), if any. */
    Optional<GgmlType> storedAs() {
        return Optional.ofNullable(storedAs);
    }

    public static Precision parse(String name) {
        return Arrays.stream(values()).filter(p -> p.toString().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown precision '" + name + "'; one of " + Arrays.toString(values())));
    }

    /** Effective bits per weight a GGUF type stores. */
    static int bitsOf(GgmlType type) {
        return switch (type) {
            case F32, F64 -> 32;
            case F16, BF16 -> 16;
            case Q8_0, Q8_1, Q8_K, I8 -> 8;
            case Q6_K -> 6;
            case Q5_0, Q5_1, Q5_K -> 5;
            case Q4_0, Q4_1, Q4_K, IQ4_NL, IQ4_XS, MXFP4 -> 4;
            case Q3_K, IQ3_XXS, IQ3_S -> 3;
            default -> 2;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
