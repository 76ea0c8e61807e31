package dev.ignis.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.IntConsumer;

/**
 * Converts a matrix to another storage type at load time, into memory of the given arena (Q8_0 and Q4_0
 * into panels of native memory of their own, {@link PanelMatrix}): the engine serves a model stored at high
 * precision at the precision a deployment asks for.
 */
public final class Quantizer {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The storage a matrix can be converted to. */
    public enum Target {
        F16, BF16, FP8, Q8_0, Q4_0
    }

    private Quantizer() {
    }

    public static Matrix convert(Matrix source, Target target, Arena arena) {
        int rows = source.rows();
        int cols = source.cols();
        if ((target == Target.FP8 || target == Target.Q8_0 || target == Target.Q4_0) && cols % 32 != 0) {
            throw new IllegalArgumentException("rows of " + cols + " values cannot be stored in blocks of 32");
        }
        long rowBytes = switch (target) {
            case F16, BF16 -> cols * 2L;
            case FP8, Q8_0 -> cols / 32 * 34L;
            case Q4_0 -> cols / 32 * 18L;
        };
        if (target == Target.Q8_0 || target == Target.Q4_0) {
            // Encoded a panel's rows at a time, on the threads that repack them: never a second copy of the matrix.
            PanelMatrix.Rows encoded = (first, count, dst) -> {
                float[] row = new float[cols];
                MemorySegment out = MemorySegment.ofArray(dst);
                for (int i = 0; i < count; i++) {
                    source.row(first + i, row);
                    encodeRow(target, row, out, i * rowBytes);
                }
            };
            return target == Target.Q8_0 ? new Q8_0Matrix(rows, cols, encoded) : new Q4_0Matrix(rows, cols, encoded);
        }
        MemorySegment out = encode(source, target, rowBytes, arena);
        return switch (target) {
            case F16 -> new F16Matrix(out, rows, cols);
            case BF16 -> new BlockMatrix(BlockFormat.BF16, out, rows, cols);
            case FP8 -> new BlockMatrix(BlockFormat.FP8, out, rows, cols);
            case Q8_0, Q4_0 -> throw new AssertionError(target);
        };
    }

    /**
     * The rows encoded into {@code arena}, in tasks of about 4 MB over the shared team's threads when the
     * arena's memory can be written from them (not a confined arena: then on the calling thread alone).
     */
    private static MemorySegment encode(Matrix source, Target target, long rowBytes, Arena arena) {
        MemorySegment out = arena.allocate(rowBytes * source.rows(), 64);
        int rows = source.rows();
        int perTask = Workers.perTask(rows, rowBytes);
        int tasks = (rows + perTask - 1) / perTask;
        IntConsumer task = t -> {
            float[] row = new float[source.cols()];
            for (int r = t * perTask; r < Math.min(rows, (t + 1) * perTask); r++) {
                source.row(r, row);
                encodeRow(target, row, out, r * rowBytes);
            }
        };
        if (out.isAccessibleBy(ANOTHER_THREAD)) {
            Workers.common().forEach(tasks, task);
        } else {
            for (int t = 0; t < tasks; t++) {
                task.accept(t);
            }
        }
        return out;
    }

    /** A thread that owns nothing: memory it may access is memory every thread may. Never started. */
    private static final Thread ANOTHER_THREAD = new Thread(() -> { });

    /** Writes one row of values in a target's layout at {@code at} (the row's length a multiple of 32 for blocks). */
    public static void encodeRow(Target target, float[] row, MemorySegment out, long at) {
        int cols = row.length;
        switch (target) {
            case F16 -> {
                for (int i = 0; i < cols; i++) {
                    out.set(U16, at + 2L * i, Float.floatToFloat16(row[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < cols; i++) {
                    out.set(U16, at + 2L * i, toBf16(row[i]));
                }
            }
            case FP8 -> {
                for (int b = 0; b < cols / 32; b++) {
                    quantizeFp8(row, b * 32, out, at + 34L * b);
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    quantizeQ8_0(row, b * 32, out, at + 34L * b);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    quantizeQ4_0(row, b * 32, out, at + 18L * b);
                }
            }
        }
    }

    /** Round to nearest even on the upper 16 bits (NaN stays NaN). */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** d = max|x| / 127, q = round(x / d). */
    static void quantizeQ8_0(float[] x, int from, MemorySegment out, long at) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[from + j]));
        }
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        out.set(U16, at, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) {
            out.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) Math.round(x[from + j] * id));
        }
    }

    /** The value of largest magnitude maps to -8 (keeping its sign): d = max / -8, q = x / d + 8 in 0..15. */
    static void quantizeQ4_0(float[] x, int from, MemorySegment out, long at) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[from + j];
            if (Math.abs(v) > amax) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        out.set(U16, at, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[from + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[from + j + 16] * id + 8.5f));
            out.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) (lo | hi << 4));
        }
    }

    /** d = max|x| / 448, each value the nearest E4M3 of x / d. */
    static void quantizeFp8(float[] x, int from, MemorySegment out, long at) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[from + j]));
        }
        float d = amax / Fp8E4M3.MAX;
        float stored = Float.float16ToFloat(Float.floatToFloat16(d));
        float id = stored != 0 ? 1f / stored : 0f;
        out.set(U16, at, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) {
            out.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) Fp8E4M3.encode(x[from + j] * id));
        }
    }
}
