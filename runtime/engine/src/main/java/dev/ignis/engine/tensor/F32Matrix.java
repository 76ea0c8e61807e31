package dev.ignis.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/** F32: each value is a little-endian IEEE-754 float, 4 bytes, no blocks. */
public final class F32Matrix implements Matrix {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data; // (rows, cols) floats, row-major
    private final int rows;
    private final int cols;
    private final ThreadLocal<float[]> first;  // the rows of a pair in dotRows
    private final ThreadLocal<float[]> second;

    public F32Matrix(MemorySegment data, int rows, int cols) {
        if (data.byteSize() != (long) rows * cols * 4) {
            throw new IllegalArgumentException("F32 matrix " + rows + "x" + cols + " needs " + (long) rows * cols * 4
                    + " bytes, got " + data.byteSize());
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.first = ThreadLocal.withInitial(() -> new float[cols]);
        this.second = ThreadLocal.withInitial(() -> new float[cols]);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public float dot(int row, float[] x) {
        if (!Kernels.VECTORIZE) {
            return dotScalar(row, x);
        }
        long base = (long) row * cols * 4;
        FloatVector acc = FloatVector.zero(Kernels.F);
        int i = 0;
        int upper = Kernels.F.loopBound(cols);
        for (; i < upper; i += Kernels.F.length()) {
            FloatVector w = FloatVector.fromMemorySegment(Kernels.F, data, base + i * 4L, ByteOrder.LITTLE_ENDIAN);
            acc = w.fma(FloatVector.fromArray(Kernels.F, x, i), acc);
        }
        float sum = Kernels.sum(acc);
        for (; i < cols; i++) {
            sum += data.get(FLOAT, base + i * 4L) * x[i];
        }
        return sum;
    }

    @Override
    public float dotScalar(int row, float[] x) {
        long base = (long) row * cols * 4;
        float sum = 0;
        for (int i = 0; i < cols; i++) {
            sum += data.get(FLOAT, base + i * 4L) * x[i];
        }
        return sum;
    }

    /**
     * Four or more vectors: each pair of rows is copied once into per-thread arrays and multiplied with the
     * vectors in {@link Kernels#dot2x4}'s register-blocked tiles ({@link Kernels#dotDequantizedRows}), the same
     * operations in the same order as {@link #dot}, so the same bits. Fewer vectors read the rows in place.
     */
    @Override
    public void dotRows(int from, int to, float[][] x, float[][] out, int n) {
        if (n < 4 || !Kernels.VECTORIZE) {
            Matrix.super.dotRows(from, to, x, out, n);
            return;
        }
        Kernels.dotDequantizedRows(this, from, to, x, out, n, first.get(), second.get());
    }

    @Override
    public void row(int row, float[] out, int offset) {
        MemorySegment.copy(data, FLOAT, (long) row * cols * 4, out, offset, cols);
    }
}
