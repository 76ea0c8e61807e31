package dev.ignis.engine.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix-matrix tile kernels of Q4_0's batched products ({@link BlockMatrix#dotRows}), on rows written
 * as Q8_0 blocks into a heap array ({@link BlockKernels#q4_0AsQ8_0}): {@code q[base ..]}
 * holds a row's blocks in the Q8_0 layout (F16 {@code d}, 32 signed bytes; 34 bytes per block), the next
 * row {@code rowBytes} further. Reading a heap array with an int index lets C2 drop the bounds checks that a
 * {@code MemorySegment} access with a long offset keeps in the loop, and the copy is one bulk move of bytes
 * that are read from memory anyway.
 *
 * <p>Every (row, vector) pair follows exactly the operations of the single-row kernel ({@link
 * BlockKernels#dotQ4_0}), in its order: per
 * block, {@code p = fma(q[16..32), x[16..32), fma(q[0..16), x[0..16), 0))}, then {@code c = fma(p, d, c)},
 * and {@code Kernels.sum(c)} at the end of the row. So a vector's result never depends on which tile it
 * was in, or whether it was alone. What a tile changes is what is shared: a tile of two rows and four
 * vectors widens each weight vector once for four FMAs (instead of once per vector) and loads each x
 * vector once for two, and its eight independent chains keep the FMA units busy despite the FMA latency.
 * The tiles are written for 512-bit vectors (a block is two vectors of 16 lanes) and, with AVX2's sixteen
 * registers, for 256-bit ones as one row by four vectors ({@link #dot1x4}, a block is four vectors of 8
 * lanes); with other widths the matrix multiplies pair by pair. ({@link Q8_0Matrix} itself has kernels of
 * its own, on panels of rows.)
 */
final class Q8_0Kernels {

    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 34;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int LANES = 16;
    /** Whether the tiles can run: the preferred vectors have (at least) 512 bits and vectorization is on. */
    static final boolean TILED = Kernels.VECTORIZE && Kernels.F.length() >= LANES;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    /** Whether {@link #dot1x4} runs instead: 256-bit vectors (8 lanes) and vectorization on. */
    static final boolean TILED_8 = Kernels.VECTORIZE && Kernels.F.length() == 8;

    private static final long GROUP_BYTES_DECODE = 16 << 10;
    private static final long GROUP_BYTES_PROMPT = 256 << 10;
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[0]);

    private Q8_0Kernels() {
    }

    /** A matrix whose rows the tiles can take as Q8_0 blocks. */
    interface Rows {
        /** Writes rows {@code [first, first + count)} into {@code q[0..)}, one after the other, as Q8_0 blocks. */
        void copy(int first, int count, byte[] q);

        /** The matrix's own dot product of a row with {@code x}: the operations of these tiles, on the matrix's own bytes. */
        float dot(int row, float[] x);
    }

    /**
     * {@code out[s][r]} = the dot product of row {@code r} with {@code x[s]} as the single-row kernel computes
     * it, for rows {@code [from, to)} of a matrix of {@code cols} columns whose rows {@code rows} writes out
     * as Q8_0 blocks, and the first {@code n} vectors; every result bit-identical to {@link Rows#dot}. The
     * rows go in groups: a group is written into a per-thread array once (for Q8_0 a copy of bytes that are
     * read from memory anyway; for Q4_0 its nibbles unpacked), then every tile of vectors passes over it: two
     * rows by four vectors ({@link #dot2x4}; with 256-bit vectors one row by four, {@link #dot1x4}), then the
     * matrix's own {@link Rows#dot} for the vectors and rows left over (all of them with fewer than four
     * vectors): from the weights where they are, that measured 1.5-2x faster than the same operations on the
     * copied bytes. With at most eight vectors (decode) a group is ~16 KB and stays in L1; with more (a
     * prompt) a group of up to ~256 KB stays in L2 while the tiles pass.
     */
    static void dotRows(Rows rows, int cols, int from, int to, float[][] x, float[][] out, int n) {
        if (n < 4 || !(TILED || TILED_8)) {
            for (int r = from; r < to; r++) {
                for (int s = 0; s < n; s++) {
                    out[s][r] = rows.dot(r, x[s]);
                }
            }
            return;
        }
        int blocks = cols / BLOCK;
        int stride = blocks * BLOCK_BYTES;
        long groupBytes = n <= 8 ? GROUP_BYTES_DECODE : GROUP_BYTES_PROMPT;
        int groupRows = (int) Math.min(to - from, Math.max(2, groupBytes / stride / 2 * 2));
        byte[] q = scratch((long) groupRows * stride);
        for (int group = from; group < to; group += groupRows) {
            int count = Math.min(groupRows, to - group);
            rows.copy(group, count, q);
            // The rows the tiles take: pairs with 16 lanes, every row with 8.
            int tiled = TILED ? count - count % 2 : count;
            int s = 0;
            for (; s + 4 <= n; s += 4) {
                if (TILED) {
                    for (int i = 0; i < tiled; i += 2) {
                        dot2x4(q, i * stride, stride, blocks, x, s, out, group + i);
                    }
                } else {
                    for (int i = 0; i < tiled; i++) {
                        dot1x4(q, i * stride, blocks, x, s, out, group + i);
                    }
                }
            }
            for (; s < n; s++) {
                for (int i = 0; i < tiled; i++) {
                    out[s][group + i] = rows.dot(group + i, x[s]);
                }
            }
            for (int i = tiled; i < count; i++) {
                for (s = 0; s < n; s++) {
                    out[s][group + i] = rows.dot(group + i, x[s]);
                }
            }
        }
    }

    /** This thread's group buffer, grown to at least {@code bytes}. */
    private static byte[] scratch(long bytes) {
        byte[] q = SCRATCH.get();
        if (q.length < bytes) {
            q = new byte[(int) bytes];
            SCRATCH.set(q);
        }
        return q;
    }

    /** The scale d of the block at {@code o}, in every lane. */
    private static FloatVector scale(byte[] q, int o) {
        return FloatVector.broadcast(F, Float.float16ToFloat((short) ((q[o] & 0xff) | (q[o + 1] << 8))));
    }

    /** Values {@code [j, j + 16)} of the block at {@code o}: its signed bytes widened to floats. */
    private static FloatVector widen(byte[] q, int o, int j) {
        return (FloatVector) ByteVector.fromArray(B, q, o + 2 + j).convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * Rows {@code row} and {@code row + 1} (at {@code q[base]} and {@code q[base + rowBytes]}) with vectors
     * {@code x[s .. s + 4)}: eight accumulators, four widened weight vectors, two scales, two x vectors
     * and a partial sum, 18 of AVX-512's 32 registers.
     */
    static void dot2x4(byte[] q, int base, int rowBytes, int blocks, float[][] x, int s, float[][] out, int row) {
        float[] x0 = x[s];
        float[] x1 = x[s + 1];
        float[] x2 = x[s + 2];
        float[] x3 = x[s + 3];
        FloatVector zero = FloatVector.zero(F);
        FloatVector c00 = zero;
        FloatVector c01 = zero;
        FloatVector c02 = zero;
        FloatVector c03 = zero;
        FloatVector c10 = zero;
        FloatVector c11 = zero;
        FloatVector c12 = zero;
        FloatVector c13 = zero;
        for (int k = 0; k < blocks; k++) {
            int at = k * BLOCK;
            int o0 = base + k * BLOCK_BYTES;
            int o1 = base + 1 * rowBytes + k * BLOCK_BYTES;
            FloatVector d0 = scale(q, o0);
            FloatVector w0a = widen(q, o0, 0);
            FloatVector w0b = widen(q, o0, LANES);
            FloatVector d1 = scale(q, o1);
            FloatVector w1a = widen(q, o1, 0);
            FloatVector w1b = widen(q, o1, LANES);
            FloatVector y0a = FloatVector.fromArray(F, x0, at);
            FloatVector y0b = FloatVector.fromArray(F, x0, at + LANES);
            c00 = w0b.fma(y0b, w0a.fma(y0a, zero)).fma(d0, c00);
            c10 = w1b.fma(y0b, w1a.fma(y0a, zero)).fma(d1, c10);
            FloatVector y1a = FloatVector.fromArray(F, x1, at);
            FloatVector y1b = FloatVector.fromArray(F, x1, at + LANES);
            c01 = w0b.fma(y1b, w0a.fma(y1a, zero)).fma(d0, c01);
            c11 = w1b.fma(y1b, w1a.fma(y1a, zero)).fma(d1, c11);
            FloatVector y2a = FloatVector.fromArray(F, x2, at);
            FloatVector y2b = FloatVector.fromArray(F, x2, at + LANES);
            c02 = w0b.fma(y2b, w0a.fma(y2a, zero)).fma(d0, c02);
            c12 = w1b.fma(y2b, w1a.fma(y2a, zero)).fma(d1, c12);
            FloatVector y3a = FloatVector.fromArray(F, x3, at);
            FloatVector y3b = FloatVector.fromArray(F, x3, at + LANES);
            c03 = w0b.fma(y3b, w0a.fma(y3a, zero)).fma(d0, c03);
            c13 = w1b.fma(y3b, w1a.fma(y3a, zero)).fma(d1, c13);
        }
        // The eight lane sums interleaved: each pair's lanes are still added in Kernels.sum's order (so the
        // bits are the same), but eight independent chains of adds overlap instead of running one by one.
        float[] lanes = new float[8 * LANES];
        c00.intoArray(lanes, 0);
        c01.intoArray(lanes, LANES);
        c02.intoArray(lanes, 2 * LANES);
        c03.intoArray(lanes, 3 * LANES);
        c10.intoArray(lanes, 4 * LANES);
        c11.intoArray(lanes, 5 * LANES);
        c12.intoArray(lanes, 6 * LANES);
        c13.intoArray(lanes, 7 * LANES);
        float s00 = 0;
        float s01 = 0;
        float s02 = 0;
        float s03 = 0;
        float s10 = 0;
        float s11 = 0;
        float s12 = 0;
        float s13 = 0;
        for (int i = 0; i < LANES; i++) {
            s00 += lanes[i];
            s01 += lanes[LANES + i];
            s02 += lanes[2 * LANES + i];
            s03 += lanes[3 * LANES + i];
            s10 += lanes[4 * LANES + i];
            s11 += lanes[5 * LANES + i];
            s12 += lanes[6 * LANES + i];
            s13 += lanes[7 * LANES + i];
        }
        out[s][row] = s00;
        out[s + 1][row] = s01;
        out[s + 2][row] = s02;
        out[s + 3][row] = s03;
        out[s][row + 1] = s10;
        out[s + 1][row + 1] = s11;
        out[s + 2][row + 1] = s12;
        out[s + 3][row + 1] = s13;
    }

    /** Values {@code [j, j + 8)} of the block at {@code o}, widened to floats (8 lanes). */
    private static FloatVector widen8(byte[] q, int o, int j) {
        return (FloatVector) ByteVector.fromArray(B8, q, o + 2 + j).convertShape(VectorOperators.B2F, F8, 0);
    }

    /**
     * With 8 float lanes: row {@code row} (at {@code q[base]}) with vectors {@code x[s .. s + 4)}, per block
     * {@code p = fma(q[24..32), x[24..32), fma(q[16..24), .., fma(q[0..8), x[0..8), 0)))} and then {@code
     * c = fma(p, d, c)}, as the single-row kernel does with 8 lanes. Each block's four weight vectors are
     * widened once for the four vectors; four accumulators, four weight vectors, the scale, an x vector and
     * a partial sum fit AVX2's sixteen registers (two rows would not).
     */
    static void dot1x4(byte[] q, int base, int blocks, float[][] x, int s, float[][] out, int row) {
        float[] x0 = x[s];
        float[] x1 = x[s + 1];
        float[] x2 = x[s + 2];
        float[] x3 = x[s + 3];
        FloatVector zero = FloatVector.zero(F8);
        FloatVector c0 = zero;
        FloatVector c1 = zero;
        FloatVector c2 = zero;
        FloatVector c3 = zero;
        for (int k = 0; k < blocks; k++) {
            int at = k * BLOCK;
            int o = base + k * BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(F8, Float.float16ToFloat((short) ((q[o] & 0xff) | (q[o + 1] << 8))));
            FloatVector w0 = widen8(q, o, 0);
            FloatVector w1 = widen8(q, o, 8);
            FloatVector w2 = widen8(q, o, 16);
            FloatVector w3 = widen8(q, o, 24);
            c0 = w3.fma(FloatVector.fromArray(F8, x0, at + 24), w2.fma(FloatVector.fromArray(F8, x0, at + 16),
                    w1.fma(FloatVector.fromArray(F8, x0, at + 8), w0.fma(FloatVector.fromArray(F8, x0, at), zero))))
                    .fma(d, c0);
            c1 = w3.fma(FloatVector.fromArray(F8, x1, at + 24), w2.fma(FloatVector.fromArray(F8, x1, at + 16),
                    w1.fma(FloatVector.fromArray(F8, x1, at + 8), w0.fma(FloatVector.fromArray(F8, x1, at), zero))))
                    .fma(d, c1);
            c2 = w3.fma(FloatVector.fromArray(F8, x2, at + 24), w2.fma(FloatVector.fromArray(F8, x2, at + 16),
                    w1.fma(FloatVector.fromArray(F8, x2, at + 8), w0.fma(FloatVector.fromArray(F8, x2, at), zero))))
                    .fma(d, c2);
            c3 = w3.fma(FloatVector.fromArray(F8, x3, at + 24), w2.fma(FloatVector.fromArray(F8, x3, at + 16),
                    w1.fma(FloatVector.fromArray(F8, x3, at + 8), w0.fma(FloatVector.fromArray(F8, x3, at), zero))))
                    .fma(d, c3);
        }
        // Each accumulator's lanes added in Kernels.sum's order, the four chains interleaved.
        float[] lanes = new float[32];
        c0.intoArray(lanes, 0);
        c1.intoArray(lanes, 8);
        c2.intoArray(lanes, 16);
        c3.intoArray(lanes, 24);
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        for (int i = 0; i < 8; i++) {
            s0 += lanes[i];
            s1 += lanes[8 + i];
            s2 += lanes[16 + i];
            s3 += lanes[24 + i];
        }
        out[s][row] = s0;
        out[s + 1][row] = s1;
        out[s + 2][row] = s2;
        out[s + 3][row] = s3;
    }
}
