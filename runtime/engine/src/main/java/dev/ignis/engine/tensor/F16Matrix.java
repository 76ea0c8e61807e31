package dev.ignis.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** F16: each value is a little-endian IEEE-754 half-precision float, 2 bytes, no blocks. */
public final class F16Matrix implements Matrix {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data; // (rows, cols) halves, row-major
    private final int rows;
    private final int cols;
    private final ThreadLocal<Buffers> buffers;

    /** A thread's scratch: one row of halves as read, and two rows of floats. */
    private record Buffers(short[] halves, float[] w0, float[] w1) {
    }

    public F16Matrix(MemorySegment data, int rows, int cols) {
        if (data.byteSize() != (long) rows * cols * 2) {
            throw new IllegalArgumentException("F16 matrix " + rows + "x" + cols + " needs " + (long) rows * cols * 2
                    + " bytes, got " + data.byteSize());
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.buffers = ThreadLocal.withInitial(() -> new Buffers(new short[cols], new float[cols], new float[cols]));
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** The row converted to floats ({@link #row}), then the vector dot product. */
    @Override
    public float dot(int row, float[] x) {
        if (!Kernels.VECTORIZE) {
            return dotScalar(row, x);
        }
        float[] w = buffers.get().w0();
        row(row, w);
        return Kernels.dot(w, 0, x, 0, cols);
    }

    @Override
    public float dotScalar(int row, float[] x) {
        long base = (long) row * cols * 2;
        float sum = 0;
        for (int i = 0; i < cols; i++) {
            sum += Float.float16ToFloat(data.get(SHORT, base + i * 2L)) * x[i];
        }
        return sum;
    }

    /** Converts each row once for all vectors, in register-blocked tiles ({@link Kernels#dotDequantizedRows}). */
    @Override
    public void dotRows(int from, int to, float[][] x, float[][] out, int n) {
        if (!Kernels.VECTORIZE) {
            Matrix.super.dotRows(from, to, x, out, n);
            return;
        }
        Buffers b = buffers.get();
        Kernels.dotDequantizedRows(this, from, to, x, out, n, b.w0(), b.w1());
    }

    /**
     * The row's halves are copied in bulk into an array, then converted by a plain loop that C2 compiles to
     * vector conversions (VCVTPH2PS on x86): reading them one at a time from the segment costs several
     * times more. The conversion is exact either way.
     */
    @Override
    public void row(int row, float[] out, int offset) {
        long base = (long) row * cols * 2;
        if (!Kernels.VECTORIZE) {
            for (int i = 0; i < cols; i++) {
                out[offset + i] = Float.float16ToFloat(data.get(SHORT, base + i * 2L));
            }
            return;
        }
        short[] h = buffers.get().halves();
        MemorySegment.copy(data, SHORT, base, h, 0, cols);
        for (int i = 0; i < cols; i++) {
            out[offset + i] = Float.float16ToFloat(h[i]);
        }
    }
}
