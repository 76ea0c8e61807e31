package dev.ignis.controlplane.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The precisions a model can be served at, as deployable variants name them ({@code model:int8}).
 * Bytes per weight follow the engine's block layouts: FP8 E4M3 and Q8_0 keep 32 one-byte values plus a
 * two-byte scale per block (34/32), Q4_0 keeps 32 four-bit values plus a two-byte scale (18/32).
 */
public enum Quantization {
    FP16(16, 2.0),
    BF16(16, 2.0),
    FP8(8, 34.0 / 32),
    INT8(8, 34.0 / 32),
    INT4(4, 18.0 / 32);

    private final int bits;
    private final double bytesPerWeight;

    Quantization(int bits, double bytesPerWeight) {
        this.bits = bits;
        this.bytesPerWeight = bytesPerWeight;
    }

    /** Nominal bits per weight, compared with a source's stored precision: serving never adds bits. */
    public int bits() {
        return bits;
    }

    public long weightBytes(long parameterCount) {
        return (long) Math.ceil(parameterCount * bytesPerWeight);
    }

    public static Optional<Quantization> parse(String name) {
        return Arrays.stream(values()).filter(q -> q.toString().equals(name)).findFirst();
    }

    public static String names() {
        return Arrays.toString(values());
    }

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
