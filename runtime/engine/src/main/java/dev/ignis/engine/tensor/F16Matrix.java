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

    public F16Matrix(MemorySegment data, int rows, int cols) {
        if (data.byteSize() != (long) rows * cols * 2) {
            throw new IllegalArgumentException("F16 matrix " + rows + "x" + cols + " needs " + (long) rows * cols * 2
                    + " bytes, got " + data.byteSize());
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
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
        // A vectorized F16 conversion is a later step (issue #4); the scalar loop is the reference.
        return dotScalar(row, x);
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

    @Override
    public void row(int row, float[] out) {
        long base = (long) row * cols * 2;
        for (int i = 0; i < cols; i++) {
            out[i] = Float.float16ToFloat(data.get(SHORT, base + i * 2L));
        }
    }
}
