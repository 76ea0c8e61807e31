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
    private static final VectorSpecies<Float> F = Kernels.F.length() >= 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
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
     * The matrix-matrix kernel, for four vectors or more on 512-bit or 256-bit vectors (else pair by pair
     * with {@link #dot}). The rows go in groups: a group is copied from the weights into a per-thread array
     * once (the only read of those bytes from memory), then every tile of vectors passes over it: two rows by
     * four vectors ({@link Q8_0Kernels#dot2x4}; with 256-bit vectors one row by four, {@link
     * Q8_0Kernels#dot1x4}), then {@link #dot} for the vectors and rows left over. With at most eight vectors
     * (decode) a group is ~16 KB and stays in L1; with more (a prompt) a group of up to ~256 KB stays in L2
     * while the tiles pass. Every result is bit-identical to {@link #dot}.
     */
    @Override
    public void dotRows(int from, int to, float[][] x, float[][] out, int n) {
        if (n < 4 || !(Q8_0Kernels.TILED || Q8_0Kernels.TILED_8)) {
            Matrix.super.dotRows(from, to, x, out, n);
            return;
        }
        int blocks = cols / BLOCK;
        int stride = (int) rowBytes;
        long groupBytes = n <= 8 ? GROUP_BYTES_DECODE : GROUP_BYTES_PROMPT;
        int groupRows = (int) Math.min(to - from, Math.max(2, groupBytes / rowBytes / 2 * 2));
        byte[] q = scratch(groupRows * rowBytes);
        for (int group = from; group < to; group += groupRows) {
            int count = Math.min(groupRows, to - group);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, group * rowBytes, q, 0, count * stride);
            int pairs = Q8_0Kernels.TILED ? count - count % 2 : count; // with 8 lanes, rows one by one
            int s = 0;
            for (; s + 4 <= n; s += 4) {
                if (Q8_0Kernels.TILED) {
                    for (int i = 0; i < pairs; i += 2) {
                        Q8_0Kernels.dot2x4(q, i * stride, stride, blocks, x, s, out, group + i);
                    }
                } else {
                    for (int i = 0; i < count; i++) {
                        Q8_0Kernels.dot1x4(q, i * stride, blocks, x, s, out, group + i);
                    }
                }
            }
            for (; s < n; s++) {
                for (int i = 0; i < pairs; i++) {
                    out[s][group + i] = dot(group + i, x[s]);
                }
            }
            for (int i = pairs; i < count; i++) {
                for (s = 0; s < n; s++) {
                    out[s][group + i] = dot(group + i, x[s]);
                }
            }
        }
    }

    private static final long GROUP_BYTES_DECODE = 16 << 10;
    private static final long GROUP_BYTES_PROMPT = 256 << 10;

    /** This thread's copy buffer, grown to at least {@code bytes}. */
    private static byte[] scratch(long bytes) {
        byte[] q = SCRATCH.get();
        if (q.length < bytes) {
            q = new byte[(int) bytes];
            SCRATCH.set(q);
        }
        return q;
    }

    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[0]);

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
    public void row(int row, float[] out) {
        long base = (long) row * (cols / BLOCK) * BLOCK_BYTES;
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = base + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(SHORT, block));
            if (Kernels.VECTORIZE) {
                for (int j = 0; j < BLOCK; j += F.length()) {
                    ((FloatVector) ByteVector.fromMemorySegment(B, data, block + 2 + j, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(out, b * BLOCK + j);
                }
            } else {
                for (int j = 0; j < BLOCK; j++) {
                    out[b * BLOCK + j] = d * data.get(ValueLayout.JAVA_BYTE, block + 2 + j);
                }
            }
        }
    }
}
