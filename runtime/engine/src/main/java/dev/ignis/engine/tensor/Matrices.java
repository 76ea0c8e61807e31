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
            case BF16 -> new BlockMatrix(BlockFormat.BF16, data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols);
            case Q4_1 -> new BlockMatrix(BlockFormat.Q4_1, data, rows, cols);
            case Q5_0 -> new BlockMatrix(BlockFormat.Q5_0, data, rows, cols);
            case Q5_1 -> new BlockMatrix(BlockFormat.Q5_1, data, rows, cols);
            case Q4_K -> new BlockMatrix(BlockFormat.Q4_K, data, rows, cols);
            case Q5_K -> new BlockMatrix(BlockFormat.Q5_K, data, rows, cols);
            case Q6_K -> new BlockMatrix(BlockFormat.Q6_K, data, rows, cols);
            default -> throw new UnsupportedOperationException("tensor '" + name + "' has type " + type
                    + ", which this engine cannot compute with (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0,"
                    + " Q5_1, Q4_K, Q5_K, Q6_K)");
        };
    }
}
