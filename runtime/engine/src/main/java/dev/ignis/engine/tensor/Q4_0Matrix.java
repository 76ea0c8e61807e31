package dev.ignis.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0: in a GGUF file, blocks of 32 values, 18 bytes each: a little-endian F16 scale {@code d}, then 16
 * bytes whose low nibbles are values 0-15 and whose high nibbles are values 16-31; value {@code i} is
 * {@code d * (q[i] - 8)}. In the panels ({@link PanelMatrix}), columns {@code k} and {@code k + 1} ({@code
 * k} even) share sixteen bytes at {@code 8k} of the panel's values: row {@code i}'s byte holds column
 * {@code k} in its low nibble and {@code k + 1} in its high one, so one load serves two columns in order.
 * {@code (q - 8) * d} is exact in float, so Q4_0 multiplies exactly as a Q8_0 matrix holding {@code q - 8}
 * with the same scales. The kernels form it as {@code fma(q, d, -8d)}: {@code q * d} and {@code -8d} are
 * exact and so is their sum, which the FMA therefore returns as it is (no subtraction on the bytes).
 */
public final class Q4_0Matrix extends PanelMatrix {

    static final int BLOCK_BYTES = 18;

    /** Repacks {@code data} (rows × cols in the GGUF layout) into panels; {@code data} is not read again. */
    public Q4_0Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols, BLOCK_BYTES, "Q4_0");
    }

    /** The panels filled from rows written on request (see {@link PanelMatrix.Rows}). */
    Q4_0Matrix(int rows, int cols, Rows source) {
        super(rows, cols, BLOCK_BYTES, "Q4_0", source);
    }

    @Override
    void repack(byte[] src, byte[] dst) {
        long rowBytes = (long) blocks * BLOCK_BYTES;
        int q = (int) quantOffset;
        for (int i = 0; i < PANEL; i++) {
            int s = (int) (i * rowBytes);
            for (int b = 0; b < blocks; b++, s += BLOCK_BYTES) {
                dst[2 * (b * PANEL + i)] = src[s];
                dst[2 * (b * PANEL + i) + 1] = src[s + 1];
                int o = q + b * (BLOCK / 2) * PANEL + i;
                for (int j = 0; j < BLOCK; j += 2) {
                    dst[o + j / 2 * PANEL] = (byte) (nibble(src, s, j) | nibble(src, s, j + 1) << 4);
                }
            }
        }
    }

    /** Value {@code j}'s nibble (0-15) of the GGUF block at {@code src[s]}. */
    private static int nibble(byte[] src, int s, int j) {
        int packed = src[s + 2 + j % 16] & 0xFF;
        return j < 16 ? packed & 0x0F : packed >>> 4;
    }

    /** Row {@code row}'s nibble (0-15) of column {@code k}. */
    private int nibble(int row, int k) {
        int packed = panels.get(ValueLayout.JAVA_BYTE, (long) (row / PANEL) * panelBytes + quantOffset + (long) (k / 2) * PANEL + row % PANEL) & 0xFF;
        return k % 2 == 0 ? packed & 0x0F : packed >>> 4;
    }

    /** The sequential fused sum of {@code (q[k] - 8) * d} (exact) times {@code x[k]}: what every kernel computes. */
    @Override
    public float dotScalar(int row, float[] x) {
        float acc = 0;
        for (int b = 0; b < blocks; b++) {
            float d = scale(row, b);
            for (int j = 0; j < BLOCK; j++) {
                int k = b * BLOCK + j;
                acc = Math.fma((nibble(row, k) - 8) * d, x[k], acc);
            }
        }
        return acc;
    }

    @Override
    public void row(int row, float[] out, int offset) {
        for (int b = 0; b < blocks; b++) {
            float d = scale(row, b);
            for (int j = 0; j < BLOCK; j++) {
                int k = b * BLOCK + j;
                out[offset + k] = (nibble(row, k) - 8) * d;
            }
        }
    }

    // The vector helpers here each stay under C2's limit for inlining a call that is not (yet) hot (35 bytes
    // of bytecode): one that loaded and unpacked at once was left out of the kernels, its vectors boxed, and
    // ran 3x slower.

    /** The bytes at {@code offset}, one per lane. */
    private ByteVector bytes(long offset) {
        return ByteVector.fromMemorySegment(B, panels, offset, ByteOrder.LITTLE_ENDIAN);
    }

    /** The low nibbles of {@code v} (0 to 15) as floats: column {@code k}. */
    private static FloatVector low(ByteVector v) {
        return (FloatVector) v.and((byte) 0x0F).convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * The high nibbles of {@code v} as floats: column {@code k + 1}. Shifted as ints (one instruction; x86
     * has no byte shift, which C2 would emulate), then masked as the low ones.
     */
    private static FloatVector high(ByteVector v) {
        return low(v.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes());
    }

    /**
     * Two groups at a time ({@link #vec2}), from one call site in a loop: with four groups in one loop, or
     * two calls that C2 inlines both, it reached its node limit for inlining part way through the last
     * group's unpacking, boxed those vectors and ran 3x slower than before the panels.
     */
    @Override
    void vec4(long q0, long q1, long q2, long q3, float[] sc, int s0, int s1, int s2, int s3, float[] x, float[] res) {
        for (int h = 0; h < 2; h++) {
            vec2(h == 0 ? q0 : q2, h == 0 ? q1 : q3, sc, h == 0 ? s0 : s2, h == 0 ? s1 : s3, x, res, 2 * h * F.length());
        }
    }

    @Override
    void decode(long q0, long q1, float[] sc, int s0, int s1, int k0, int k1, float[] w) {
        int l = F.length();
        for (int b = k0 / BLOCK; b < k1 / BLOCK; b++) {
            FloatVector d0 = FloatVector.fromArray(F, sc, s0 + b * PANEL);
            FloatVector d1 = FloatVector.fromArray(F, sc, s1 + b * PANEL);
            FloatVector m0 = d0.mul(-8f);
            FloatVector m1 = d1.mul(-8f);
            for (int j = 0; j < BLOCK; j += 2) {
                int k = b * BLOCK + j;
                long o = (long) k * (PANEL / 2);
                ByteVector v0 = bytes(q0 + o);
                ByteVector v1 = bytes(q1 + o);
                int at = 2 * l * (k - k0);
                low(v0).fma(d0, m0).intoArray(w, at);
                low(v1).fma(d1, m1).intoArray(w, at + l);
                high(v0).fma(d0, m0).intoArray(w, at + 2 * l);
                high(v1).fma(d1, m1).intoArray(w, at + 3 * l);
            }
        }
    }

    /** Per pair of columns one load per group, the two nibbles' values scaled, and two FMAs into each of two chains. */
    private void vec2(long q0, long q1, float[] sc, int s0, int s1, float[] x, float[] res, int at) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        for (int b = 0; b < blocks; b++) {
            FloatVector d0 = FloatVector.fromArray(F, sc, s0 + b * PANEL);
            FloatVector d1 = FloatVector.fromArray(F, sc, s1 + b * PANEL);
            FloatVector m0 = d0.mul(-8f);
            FloatVector m1 = d1.mul(-8f);
            for (int j = 0; j < BLOCK; j += 2) {
                int k = b * BLOCK + j;
                long o = (long) k * (PANEL / 2);
                FloatVector y = FloatVector.broadcast(F, x[k]);
                FloatVector z = FloatVector.broadcast(F, x[k + 1]);
                ByteVector v0 = bytes(q0 + o);
                ByteVector v1 = bytes(q1 + o);
                a0 = high(v0).fma(d0, m0).fma(z, low(v0).fma(d0, m0).fma(y, a0));
                a1 = high(v1).fma(d1, m1).fma(z, low(v1).fma(d1, m1).fma(y, a1));
            }
        }
        a0.intoArray(res, at);
        a1.intoArray(res, at + F.length());
    }

    /** The low nibbles of {@code v} minus 8, as floats: the tiles' form (one operation less in their loop than an FMA by -8d). */
    private static FloatVector centredLow(ByteVector v) {
        return (FloatVector) v.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
    }

    /** The high nibbles of {@code v} minus 8, as floats. */
    private static FloatVector centredHigh(ByteVector v) {
        return centredLow(v.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes());
    }

    /**
     * Column {@code k}'s values minus 8 as floats, from the pair's bytes at {@code q}: the low nibbles for
     * even {@code k}, the high ones for odd (shifted by 0 or 4 as ints).
     */
    private FloatVector column(long q, int k) {
        return centredLow(bytes(q + (long) (k >> 1) * PANEL).reinterpretAsInts().lanewise(VectorOperators.LSHR, (k & 1) << 2)
                .reinterpretAsBytes());
    }

    /**
     * Eight vectors, one column per turn of the loop, as Q8_0's tile: a pair's bytes are loaded twice (from
     * L1) and shifted by 0 or 4. Unpacking both nibbles of two groups in one turn, with sixteen FMAs each,
     * reached C2's node limit for inlining and ran 4x slower; until 2026-11-28 (fourth session) eight vectors
     * took PanelMatrix's decoded tile instead.
     */
    @Override
    void tile8x2(long q0, long q1, float[] sc, int s0, int s1, float[] xp, int xo, float[] res) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z;
        FloatVector c01 = z;
        FloatVector c02 = z;
        FloatVector c03 = z;
        FloatVector c04 = z;
        FloatVector c05 = z;
        FloatVector c06 = z;
        FloatVector c07 = z;
        FloatVector c10 = z;
        FloatVector c11 = z;
        FloatVector c12 = z;
        FloatVector c13 = z;
        FloatVector c14 = z;
        FloatVector c15 = z;
        FloatVector c16 = z;
        FloatVector c17 = z;
        for (int b = 0; b < blocks; b++) {
            FloatVector d0 = FloatVector.fromArray(F, sc, s0 + b * PANEL);
            FloatVector d1 = FloatVector.fromArray(F, sc, s1 + b * PANEL);
            for (int j = 0; j < BLOCK; j++) {
                int k = b * BLOCK + j;
                FloatVector w0 = column(q0, k).mul(d0);
                FloatVector w1 = column(q1, k).mul(d1);
                int at = xo + 8 * k;
                FloatVector y = FloatVector.broadcast(F, xp[at]);
                c00 = w0.fma(y, c00);
                c10 = w1.fma(y, c10);
                y = FloatVector.broadcast(F, xp[at + 1]);
                c01 = w0.fma(y, c01);
                c11 = w1.fma(y, c11);
                y = FloatVector.broadcast(F, xp[at + 2]);
                c02 = w0.fma(y, c02);
                c12 = w1.fma(y, c12);
                y = FloatVector.broadcast(F, xp[at + 3]);
                c03 = w0.fma(y, c03);
                c13 = w1.fma(y, c13);
                y = FloatVector.broadcast(F, xp[at + 4]);
                c04 = w0.fma(y, c04);
                c14 = w1.fma(y, c14);
                y = FloatVector.broadcast(F, xp[at + 5]);
                c05 = w0.fma(y, c05);
                c15 = w1.fma(y, c15);
                y = FloatVector.broadcast(F, xp[at + 6]);
                c06 = w0.fma(y, c06);
                c16 = w1.fma(y, c16);
                y = FloatVector.broadcast(F, xp[at + 7]);
                c07 = w0.fma(y, c07);
                c17 = w1.fma(y, c17);
            }
        }
        int l = F.length();
        c00.intoArray(res, 0);
        c10.intoArray(res, l);
        c01.intoArray(res, 2 * l);
        c11.intoArray(res, 3 * l);
        c02.intoArray(res, 4 * l);
        c12.intoArray(res, 5 * l);
        c03.intoArray(res, 6 * l);
        c13.intoArray(res, 7 * l);
        c04.intoArray(res, 8 * l);
        c14.intoArray(res, 9 * l);
        c05.intoArray(res, 10 * l);
        c15.intoArray(res, 11 * l);
        c06.intoArray(res, 12 * l);
        c16.intoArray(res, 13 * l);
        c07.intoArray(res, 14 * l);
        c17.intoArray(res, 15 * l);
    }


    /** Four vectors: the nibbles unpacked in the loop, each weight vector used for the four. */
    @Override
    void tile4x2(long q0, long q1, float[] sc, int s0, int s1, float[] xp, int xo, float[] res) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z;
        FloatVector c01 = z;
        FloatVector c02 = z;
        FloatVector c03 = z;
        FloatVector c10 = z;
        FloatVector c11 = z;
        FloatVector c12 = z;
        FloatVector c13 = z;
        for (int b = 0; b < blocks; b++) {
            FloatVector d0 = FloatVector.fromArray(F, sc, s0 + b * PANEL);
            FloatVector d1 = FloatVector.fromArray(F, sc, s1 + b * PANEL);
            for (int j = 0; j < BLOCK; j += 2) {
                int k = b * BLOCK + j;
                long o = (long) k * (PANEL / 2);
                ByteVector v0 = bytes(q0 + o);
                ByteVector v1 = bytes(q1 + o);
                FloatVector w0 = centredLow(v0).mul(d0);
                FloatVector w1 = centredLow(v1).mul(d1);
                int at = xo + 4 * k;
                FloatVector y = FloatVector.broadcast(F, xp[at]);
                c00 = w0.fma(y, c00);
                c10 = w1.fma(y, c10);
                y = FloatVector.broadcast(F, xp[at + 1]);
                c01 = w0.fma(y, c01);
                c11 = w1.fma(y, c11);
                y = FloatVector.broadcast(F, xp[at + 2]);
                c02 = w0.fma(y, c02);
                c12 = w1.fma(y, c12);
                y = FloatVector.broadcast(F, xp[at + 3]);
                c03 = w0.fma(y, c03);
                c13 = w1.fma(y, c13);
                w0 = centredHigh(v0).mul(d0);
                w1 = centredHigh(v1).mul(d1);
                at += 4;
                y = FloatVector.broadcast(F, xp[at]);
                c00 = w0.fma(y, c00);
                c10 = w1.fma(y, c10);
                y = FloatVector.broadcast(F, xp[at + 1]);
                c01 = w0.fma(y, c01);
                c11 = w1.fma(y, c11);
                y = FloatVector.broadcast(F, xp[at + 2]);
                c02 = w0.fma(y, c02);
                c12 = w1.fma(y, c12);
                y = FloatVector.broadcast(F, xp[at + 3]);
                c03 = w0.fma(y, c03);
                c13 = w1.fma(y, c13);
            }
        }
        int l = F.length();
        c00.intoArray(res, 0);
        c10.intoArray(res, l);
        c01.intoArray(res, 2 * l);
        c11.intoArray(res, 3 * l);
        c02.intoArray(res, 4 * l);
        c12.intoArray(res, 5 * l);
        c03.intoArray(res, 6 * l);
        c13.intoArray(res, 7 * l);
    }
}
