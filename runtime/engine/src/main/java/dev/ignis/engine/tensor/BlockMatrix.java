package dev.ignis.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A matrix of any {@link BlockFormat}: each dot product dequantizes a row block by block into a small
 * buffer and multiplies it with the vector kernel. The formats on the hot path, Q8_0 and Q4_0, have
 * kernels of their own ({@link PanelMatrix}); this class serves every format, those two included (tests
 * compare against it).
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
    private final ThreadLocal<byte[]> bytes;   // rows as read for BlockKernels: (cols / blockSize) blocks
    private final ThreadLocal<float[]> blockBuffer; // one K-quant block, for the single-vector kernel
    private final boolean vectorRows;          // rows go through BlockKernels, not the format's scalar twin
    private final boolean onePassDot;          // dot reads the row once: the K-quants, with vectorRows

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
        this.blockBuffer = ThreadLocal.withInitial(() -> new float[256]);
        this.vectorRows = Kernels.VECTORIZE && BlockKernels.SUPPORTED && BlockKernels.handles(format);
        this.onePassDot = vectorRows && (format == BlockFormat.Q4_K || format == BlockFormat.Q5_K
                || format == BlockFormat.Q6_K);
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
        if (onePassDot) {
            // Without writing the row out: the K-quants a block at a time (below's operations in their order,
            // 1.2-1.4x).
            byte[] q = bytes.get();
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, row * rowBytes, q, 0, (int) rowBytes);
            return BlockKernels.dotKQuant(format, q, cols / 256, x, blockBuffer.get());
        }
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

    /** Each row dequantized once for all vectors, in register-blocked tiles ({@link Kernels#dotDequantizedRows}). */
    @Override
    public void dotRows(int from, int to, float[][] x, float[][] out, int n) {
        Kernels.dotDequantizedRows(this, from, to, x, out, n, buffer.get(), second.get());
    }

    /**
     * Block by block through the format's scalar twin, unless there is a faster way: BF16 (a "block" of one
     * value) copies the row's halves in bulk and widens them in a loop that C2 vectorizes, instead of one call
     * per value; the 4-, 5- and 6-bit formats and FP8 copy the row's bytes and unpack each block with vector
     * operations ({@link BlockKernels}, bit-identical to the twin) when the vectors have 8 or 16 float lanes.
     */
    @Override
    public void row(int row, float[] out, int offset) {
        long base = row * rowBytes;
        if (format == BlockFormat.BF16 && Kernels.VECTORIZE) {
            short[] h = halves.get();
            MemorySegment.copy(data, BlockFormat.U16, base, h, 0, cols);
            for (int i = 0; i < cols; i++) {
                out[offset + i] = Float.intBitsToFloat(h[i] << 16);
            }
            return;
        }
        if (vectorRows) {
            byte[] q = bytes.get();
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, base, q, 0, (int) rowBytes);
            BlockKernels.dequantizeRow(format, q, out, offset, cols / format.blockSize());
            return;
        }
        for (int b = 0; b < cols / format.blockSize(); b++) {
            format.dequantize(data, base + (long) b * format.blockBytes(), out, offset + b * format.blockSize());
        }
    }
}
