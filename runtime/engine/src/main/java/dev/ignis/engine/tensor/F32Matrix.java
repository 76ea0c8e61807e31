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

    public F32Matrix(MemorySegment data, int rows, int cols) {
        if (data.byteSize() != (long) rows * cols * 4) {
            throw new IllegalArgumentException("F32 matrix " + rows + "x" + cols + " needs " + (long) rows * cols * 4
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

    @Override
    public void row(int row, float[] out) {
        MemorySegment.copy(data, FLOAT, (long) row * cols * 4, out, 0, cols);
    }
}
