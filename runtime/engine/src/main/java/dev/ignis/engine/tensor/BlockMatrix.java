package dev.ignis.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A matrix of any {@link BlockFormat}: each dot product dequantizes a row block by block into a small
 * buffer and multiplies it with the vector kernel. Formats on the hot path get fused kernels of their own
 * ({@link Q8_0Matrix}); this class makes every other format correct first.
 */
public final class BlockMatrix implements Matrix {

    private final BlockFormat format;
    private final MemorySegment data; // (rows, cols / blockSize) blocks
    private final int rows;
    private final int cols;
    private final long rowBytes;
    private final ThreadLocal<float[]> buffer;
    private final ThreadLocal<float[]> second; // the other row of a pair in dotRows
    private final ThreadLocal<short[]> halves; // BF16 rows as read, before conversion
    private final ThreadLocal<byte[]> bytes;   // Q4_0 rows as read: (cols / 32) blocks of 18 bytes

    public BlockMatrix(BlockFormat format, MemorySegment data, int rows, int cols) {
        if (cols % format.blockSize() != 0) {
            throw new IllegalArgumentException(format + " rows must be a multiple of " + format.blockSize()
                    + " values, got " + cols);
        }
        this.rowBytes = (long) cols / format.blockSize() * format.blockBytes();
        if (data.byteSize() != rowBytes * rows) {
            throw new IllegalArgumentException(format + " matrix " + rows + "x" + cols + " needs " + rowBytes * rows
                    + " bytes, got " + data.byteSize());
        }
        this.format = format;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.buffer = ThreadLocal.withInitial(() -> new float[cols]);
        this.second = ThreadLocal.withInitial(() -> new float[cols]);
        this.halves = ThreadLocal.withInitial(() -> new short[cols]);
        this.bytes = ThreadLocal.withInitial(() -> new byte[(int) rowBytes]);
    }

    public BlockFormat format() {
        return format;
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
        float[] w = buffer.get();
        row(row, w);
        return Kernels.dot(w, 0, x, 0, cols);
    }

    @Override
    public float dotScalar(int row, float[] x) {
        float[] w = buffer.get();
        row(row, w);
        return Kernels.dotScalar(w, 0, x, 0, cols);
    }

    /** Dequantizes each row once for all vectors, in register-blocked tiles ({@link Kernels#dotDequantizedRows}). */
    @Override
    public void dotRows(int from, int to, float[][] x, float[][] out, int n) {
        Kernels.dotDequantizedRows(this, from, to, x, out, n, buffer.get(), second.get());
    }

    /**
     * Block by block through the format; BF16 (a "block" of one value) instead copies the row's halves in
     * bulk and widens them in a loop that C2 vectorizes, instead of one call per value, and Q4_0 copies the
     * row's bytes and unpacks each block with vector operations ({@link #dequantizeQ4_0}).
     */
    @Override
    public void row(int row, float[] out) {
        long base = row * rowBytes;
        if (format == BlockFormat.BF16 && Kernels.VECTORIZE) {
            short[] h = halves.get();
            MemorySegment.copy(data, BlockFormat.U16, base, h, 0, cols);
            for (int i = 0; i < cols; i++) {
                out[i] = Float.intBitsToFloat(h[i] << 16);
            }
            return;
        }
        if (format == BlockFormat.Q4_0 && Kernels.VECTORIZE && Kernels.F.length() >= 16) {
            byte[] q = bytes.get();
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, base, q, 0, (int) rowBytes);
            for (int b = 0; b < cols / 32; b++) {
                dequantizeQ4_0(q, b * 18, out, b * 32);
            }
            return;
        }
        for (int b = 0; b < cols / format.blockSize(); b++) {
            format.dequantize(data, base + (long) b * format.blockBytes(), out, b * format.blockSize());
        }
    }

    private static final VectorSpecies<Byte> NIBBLES = ByteVector.SPECIES_128;
    private static final VectorSpecies<Float> VALUES = FloatVector.SPECIES_512;

    /**
     * The vector twin of {@link BlockFormat#Q4_0}'s dequantization, on a block at {@code q[o]} (F16 d, then
     * 16 bytes whose low nibbles are y[0..15] and high nibbles y[16..31]): the 16 bytes are loaded once,
     * masked or shifted, recentred by 8 and widened to 16 floats each; d * (q - 8) is exact either way.
     */
    private static void dequantizeQ4_0(byte[] q, int o, float[] y, int at) {
        FloatVector d = FloatVector.broadcast(VALUES, Float.float16ToFloat((short) ((q[o] & 0xff) | (q[o + 1] << 8))));
        ByteVector packed = ByteVector.fromArray(NIBBLES, q, o + 2);
        ByteVector low = packed.and((byte) 0x0F).sub((byte) 8);
        ByteVector high = packed.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
        ((FloatVector) low.convertShape(VectorOperators.B2F, VALUES, 0)).mul(d).intoArray(y, at);
        ((FloatVector) high.convertShape(VectorOperators.B2F, VALUES, 0)).mul(d).intoArray(y, at + 16);
    }
}
