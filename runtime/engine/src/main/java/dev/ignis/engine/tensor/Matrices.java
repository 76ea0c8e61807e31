package dev.ignis.engine.tensor;

import dev.ignis.engine.gguf.GgmlType;
import java.lang.foreign.MemorySegment;

/** Wraps tensor bytes of a GGUF type as a {@link Matrix}; unsupported types are a clear error naming them. */
public final class Matrices {

    private Matrices() {
    }

    public static Matrix of(String name, GgmlType type, MemorySegment data, int rows, int cols) {
        return switch (type) {
            case F32 -> new F32Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols);
            default -> throw new UnsupportedOperationException("tensor '" + name + "' has type " + type
                    + ", which this engine cannot compute with yet (supported: F32, F16, Q8_0)");
        };
    }
}
