package dev.ignis.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0: blocks of 32 values, 34 bytes each: a little-endian F16 scale {@code d}, then 32 signed bytes
 * {@code q[i]}; value {@code i} is {@code d * q[i]}.
 */
public final class Q8_0Matrix implements Matrix {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    // One lane per value: 16 bytes widen to 16 floats on AVX-512, 8 to 8 on AVX2.
    private static final VectorSpecies<Float> F = Q8_0Kernels.ROW;
    private static final VectorSpecies<Byte> B = F.length() == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;

    private final MemorySegment data; // (rows, cols / 32) blocks of 34 bytes
    private final int rows;
    private final int cols;
    private final long rowBytes; // cols / 32 blocks of 34 bytes

    public Q8_0Matrix(MemorySegment data, int rows, int cols) {
        if (cols % BLOCK != 0) {
            throw new IllegalArgumentException("Q8_0 rows must be a multiple of 32 values, got " + cols);
        }
        if (data.byteSize() != (long) rows * (cols / BLOCK) * BLOCK_BYTES) {
            throw new IllegalArgumentException("Q8_0 matrix " + rows + "x" + cols + " has the wrong byte size "
                    + data.byteSize());
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = (long) (cols / BLOCK) * BLOCK_BYTES;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /**
     * Per block: widen the signed bytes to floats, multiply with x, and fold the block's partial sums into
     * the accumulator scaled by the block's d; the lanes are added once, at the end of the row. The tiles of
     * {@link Q8_0Kernels} repeat these operations in this order for every (row, vector) pair.
     */
    @Override
    public float dot(int row, float[] x) {
        if (!Kernels.VECTORIZE) {
            return dotScalar(row, x);
        }
        long base = (long) row * (cols / BLOCK) * BLOCK_BYTES;
        FloatVector acc = FloatVector.zero(F);
        int lanes = F.length();
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = base + (long) b * BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(data.get(SHORT, block)));
            FloatVector partial = FloatVector.zero(F);
            for (int j = 0; j < BLOCK; j += lanes) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, data, block + 2 + j, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, F, 0);
                partial = q.fma(FloatVector.fromArray(F, x, b * BLOCK + j), partial);
            }
            acc = partial.fma(d, acc);
        }
        return Kernels.sum(acc);
    }

    /**
     * The matrix-matrix kernel ({@link Q8_0Kernels#dotRows}, register-blocked tiles over groups of rows
     * copied into a per-thread array), every result bit-identical to {@link #dot}; with the Vector API off,
     * pair by pair with the scalar twin.
     */
    @Override
    public void dotRows(int from, int to, float[][] x, float[][] out, int n) {
        if (!Kernels.VECTORIZE) {
            Matrix.super.dotRows(from, to, x, out, n);
            return;
        }
        Q8_0Kernels.dotRows(tileRows, cols, from, to, x, out, n);
    }

    /** This matrix as the tiles take it: its rows' bytes copied as they are. */
    private final Q8_0Kernels.Rows tileRows = new Q8_0Kernels.Rows() {
        @Override
        public void copy(int first, int count, byte[] q) {
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, first * rowBytes, q, 0, (int) (count * rowBytes));
        }

        @Override
        public float dot(int row, float[] x) {
            return Q8_0Matrix.this.dot(row, x);
        }
    };

    /**
     * {@link #dot} for every row of {@code [from, to)} (a task of {@link #matVec}), several rows at a time,
     * far apart within the range: four with 16 lanes ({@link #dot4}), two with 8 ({@link #dot2}; four spill
     * AVX2's sixteen registers and ran slower). They share the loads of x and the loop, and read several
     * streams of weights far apart, which keeps more cache lines in flight than one stream: from memory, a
     * core otherwise waits on each line in turn between the arithmetic (see docs/internals/engine.md, "An
     * Intel Xeon").
     */
    @Override
    public void dotRange(int from, int to, float[] x, float[] out) {
        if (!Kernels.VECTORIZE) {
            Matrix.super.dotRange(from, to, x, out);
        } else if (F.length() >= 16) {
            quads(from, to, x, out);
        } else {
            pairs(from, to, x, out);
        }
    }

    /** {@code out[r] = dot(r, x)} for rows {@code [from, to)}: row {@code r} with row {@code r + half}. */
    private void pairs(int from, int to, float[] x, float[] out) {
        int half = (to - from) / 2;
        for (int r = from; r < from + half; r++) {
            dot2(r, r + half, x, out);
        }
        if ((to - from) % 2 != 0) {
            out[to - 1] = dot(to - 1, x);
        }
    }

    /** {@code out[a] = dot(a, x)} and {@code out[b] = dot(b, x)}: each row by {@link #dot}'s operations, in its order. */
    private void dot2(int a, int b, float[] x, float[] out) {
        long baseA = a * rowBytes;
        long baseB = b * rowBytes;
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = FloatVector.zero(F);
        int lanes = F.length();
        for (int k = 0; k < cols / BLOCK; k++) {
            long o = (long) k * BLOCK_BYTES;
            FloatVector partialA = FloatVector.zero(F);
            FloatVector partialB = FloatVector.zero(F);
            for (int j = 0; j < BLOCK; j += lanes) {
                FloatVector y = FloatVector.fromArray(F, x, k * BLOCK + j);
                partialA = widen(baseA + o + 2 + j).fma(y, partialA);
                partialB = widen(baseB + o + 2 + j).fma(y, partialB);
            }
            accA = partialA.fma(scale(baseA + o), accA);
            accB = partialB.fma(scale(baseB + o), accB);
        }
        out[a] = Kernels.sum(accA);
        out[b] = Kernels.sum(accB);
    }

    /** {@code out[r] = dot(r, x)} for rows {@code [from, to)}: rows {@code r}, {@code r + q}, {@code r + 2q}, {@code r + 3q}. */
    private void quads(int from, int to, float[] x, float[] out) {
        int quarter = (to - from) / 4;
        for (int r = from; r < from + quarter; r++) {
            dot4(r, r + quarter, r + 2 * quarter, r + 3 * quarter, x, out);
        }
        for (int r = from + 4 * quarter; r < to; r++) {
            out[r] = dot(r, x);
        }
    }

    /**
     * {@code out[r] = dot(r, x)} for the four rows {@code a, b, c, e}: each row by {@link #dot}'s operations,
     * in its order.
     */
    private void dot4(int a, int b, int c, int e, float[] x, float[] out) {
        long baseA = a * rowBytes;
        long baseB = b * rowBytes;
        long baseC = c * rowBytes;
        long baseE = e * rowBytes;
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = FloatVector.zero(F);
        FloatVector accC = FloatVector.zero(F);
        FloatVector accE = FloatVector.zero(F);
        int lanes = F.length();
        for (int k = 0; k < cols / BLOCK; k++) {
            long o = (long) k * BLOCK_BYTES;
            FloatVector partialA = FloatVector.zero(F);
            FloatVector partialB = FloatVector.zero(F);
            FloatVector partialC = FloatVector.zero(F);
            FloatVector partialE = FloatVector.zero(F);
            for (int j = 0; j < BLOCK; j += lanes) {
                FloatVector y = FloatVector.fromArray(F, x, k * BLOCK + j);
                partialA = widen(baseA + o + 2 + j).fma(y, partialA);
                partialB = widen(baseB + o + 2 + j).fma(y, partialB);
                partialC = widen(baseC + o + 2 + j).fma(y, partialC);
                partialE = widen(baseE + o + 2 + j).fma(y, partialE);
            }
            accA = partialA.fma(scale(baseA + o), accA);
            accB = partialB.fma(scale(baseB + o), accB);
            accC = partialC.fma(scale(baseC + o), accC);
            accE = partialE.fma(scale(baseE + o), accE);
        }
        out[a] = Kernels.sum(accA);
        out[b] = Kernels.sum(accB);
        out[c] = Kernels.sum(accC);
        out[e] = Kernels.sum(accE);
    }

    /** The signed bytes at {@code offset}, one vector's worth, widened to floats. */
    private FloatVector widen(long offset) {
        return (FloatVector) ByteVector.fromMemorySegment(B, data, offset, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2F, F, 0);
    }

    /** The F16 scale at {@code offset}, in every lane. */
    private FloatVector scale(long offset) {
        return FloatVector.broadcast(F, Float.float16ToFloat(data.get(SHORT, offset)));
    }

    @Override
    public float dotScalar(int row, float[] x) {
        long base = (long) row * (cols / BLOCK) * BLOCK_BYTES;
        float sum = 0;
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = base + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(SHORT, block));
            float blockSum = 0;
            for (int j = 0; j < BLOCK; j++) {
                blockSum += data.get(ValueLayout.JAVA_BYTE, block + 2 + j) * x[b * BLOCK + j];
            }
            sum += d * blockSum;
        }
        return sum;
    }

    @Override
    public void row(int row, float[] out, int offset) {
        long base = (long) row * (cols / BLOCK) * BLOCK_BYTES;
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = base + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(SHORT, block));
            if (Kernels.VECTORIZE) {
                for (int j = 0; j < BLOCK; j += F.length()) {
                    ((FloatVector) ByteVector.fromMemorySegment(B, data, block + 2 + j, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(out, offset + b * BLOCK + j);
                }
            } else {
                for (int j = 0; j < BLOCK; j++) {
                    out[offset + b * BLOCK + j] = d * data.get(ValueLayout.JAVA_BYTE, block + 2 + j);
                }
            }
        }
    }
}
