package dev.ignis.engine.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector twins of {@link BlockFormat#dequantize} for the 4-, 5- and 6-bit block formats and FP8, on a
 * row whose bytes were copied into a heap array (one bulk copy; an int index into an array also lets C2 drop
 * the per-access checks a {@code MemorySegment} read keeps). Each group of {@link #LANES} quants is loaded as
 * as many bytes and unpacked with byte operations (mask or shift the nibbles, put in the fifth or sixth
 * bits, recentre), then widened to floats and scaled; FP8 codes are widened to ints and decoded by bit arithmetic. Each
 * constant's byte layout is documented on {@link BlockFormat}.
 *
 * <p>The float arithmetic is the twin's, operation for operation: the per-block scales are combined in
 * scalar code exactly as the twin combines them ({@code d * scale}, {@code dmin * min}), and each value is
 * one multiply then a separate add or subtract, never a fused multiply-add (Java never fuses the twin's
 * {@code d * q + m}). Integer quants convert to floats exactly, and float multiplication commutes, so every
 * value is bit-identical to the twin's, signed zeros and non-finite scales included. (Every product is in
 * fact exact: an F16 scale has at most 11 significant bits, a sub-block scale or min at most 7 and a quant
 * at most 5, 23 in all (an FP8 value has 4), which a float holds, and F16's range is far inside float's, so
 * only the add rounds, and a fused multiply-add would happen to round the same; the same form in both keeps
 * that from mattering.)
 *
 * <p>Written for {@link #LANES} float lanes per group of as many quant bytes: 16 with 512-bit vectors
 * (AVX-512), 8 with 256-bit ones (AVX2, where a group of 16 packed bytes is taken in two halves), whichever
 * {@link Kernels#F} has; {@link BlockMatrix} uses them only when it is one of the two ({@link #SUPPORTED})
 * and vectorization is on.
 */
final class BlockKernels {

    /** Float lanes per vector: {@link Kernels#F}'s, when it is 8 or 16 (else 16, unused: see {@link #SUPPORTED}). */
    static final int LANES = Kernels.F.length() == 8 ? 8 : 16;
    /** Whether the kernels run at {@link Kernels#F}'s width. */
    static final boolean SUPPORTED = Kernels.F.length() == LANES;
    private static final VectorSpecies<Byte> B = LANES == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    private static final VectorSpecies<Float> V = LANES == 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = LANES == 16 ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    /**
     * With 16 lanes (Q5_0, Q5_1), lane j selects qh byte j / 8 (bits 0..15 of the little-endian u32), or
     * 2 + j / 8 (bits 16..31); with 8 lanes each group's bits are one qh byte, broadcast instead.
     */
    private static final VectorShuffle<Byte> LOW_BITS = LANES == 16
            ? VectorShuffle.fromValues(B, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1) : null;
    private static final VectorShuffle<Byte> HIGH_BITS = LANES == 16
            ? VectorShuffle.fromValues(B, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3) : null;
    /** Lane j keeps bit j % 8 of the byte the shuffles or the broadcast put there. */
    private static final ByteVector BIT = ByteVector.fromArray(B,
            new byte[] {1, 2, 4, 8, 16, 32, 64, (byte) 128, 1, 2, 4, 8, 16, 32, 64, (byte) 128}, 0);

    private BlockKernels() {
    }

    /** Whether {@link #dequantizeRow} has a vector kernel for the format. */
    static boolean handles(BlockFormat format) {
        return switch (format) {
            case Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, FP8 -> true;
            default -> false;
        };
    }

    /** Dequantizes the {@code blocks} blocks at {@code q[0..)} into {@code y[0 .. blocks * blockSize)}. */
    static void dequantizeRow(BlockFormat format, byte[] q, float[] y, int blocks) {
        dequantizeRow(format, q, y, 0, blocks);
    }

    /** {@link #dequantizeRow(BlockFormat, byte[], float[], int)} into {@code y[at .. at + blocks * blockSize)}. */
    static void dequantizeRow(BlockFormat format, byte[] q, float[] y, int at, int blocks) {
        switch (format) {
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q4_0(q, b * 18, y, at + b * 32);
                }
            }
            case Q4_1 -> {
                for (int b = 0; b < blocks; b++) {
                    q4_1(q, b * 20, y, at + b * 32);
                }
            }
            case Q5_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q5_0(q, b * 22, y, at + b * 32);
                }
            }
            case Q5_1 -> {
                for (int b = 0; b < blocks; b++) {
                    q5_1(q, b * 24, y, at + b * 32);
                }
            }
            case Q4_K -> {
                for (int b = 0; b < blocks; b++) {
                    q4_K(q, b * 144, y, at + b * 256);
                }
            }
            case Q5_K -> {
                for (int b = 0; b < blocks; b++) {
                    q5_K(q, b * 176, y, at + b * 256);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < blocks; b++) {
                    q6_K(q, b * 210, y, at + b * 256);
                }
            }
            case FP8 -> {
                for (int b = 0; b < blocks; b++) {
                    fp8(q, b * 34, y, at + b * 32);
                }
            }
            default -> throw new IllegalArgumentException("no vector dequantization for " + format);
        }
    }

    /**
     * {@link Kernels#dot} of a row of the 256-value K-quant formats with {@code x}, a block at a time: each
     * block is unpacked into {@code block} (256 floats, L1-resident) and multiplied into the one accumulator
     * at once, in {@link Kernels#dot}'s lane order over the row, so the result is the same bits as
     * dequantizing the whole row first, with one pass instead of two.
     */
    static float dotKQuant(BlockFormat format, byte[] q, int blocks, float[] x, float[] block) {
        FloatVector acc = FloatVector.zero(V);
        int bytes = format.blockBytes();
        for (int b = 0; b < blocks; b++) {
            switch (format) {
                case Q4_K -> q4_K(q, b * bytes, block, 0);
                case Q5_K -> q5_K(q, b * bytes, block, 0);
                case Q6_K -> q6_K(q, b * bytes, block, 0);
                default -> throw new IllegalArgumentException("not a K-quant format: " + format);
            }
            int base = b * 256;
            for (int i = 0; i < 256; i += LANES) {
                acc = FloatVector.fromArray(V, block, i).fma(FloatVector.fromArray(V, x, base + i), acc);
            }
        }
        return Kernels.sum(acc);
    }

    /** y = d * (q - 8): the low nibbles of 16 bytes are y[0..15], the high nibbles y[16..31]. */
    private static void q4_0(byte[] q, int o, float[] y, int at) {
        float d = f16(q, o);
        for (int s = 0; s < 16; s += LANES) {
            ByteVector packed = ByteVector.fromArray(B, q, o + 2 + s);
            widen(low(packed).sub((byte) 8)).mul(d).intoArray(y, at + s);
            widen(high(packed).sub((byte) 8)).mul(d).intoArray(y, at + 16 + s);
        }
    }

    /** y = d * q + m, nibbles as Q4_0. */
    private static void q4_1(byte[] q, int o, float[] y, int at) {
        float d = f16(q, o);
        float m = f16(q, o + 2);
        for (int s = 0; s < 16; s += LANES) {
            ByteVector packed = ByteVector.fromArray(B, q, o + 4 + s);
            widen(low(packed)).mul(d).add(m).intoArray(y, at + s);
            widen(high(packed)).mul(d).add(m).intoArray(y, at + 16 + s);
        }
    }

    /**
     * y = d * (q - 16), the fifth bits from the u32 qh at o + 2 (with 16 lanes 16 bytes are loaded there; the
     * block has 22).
     */
    private static void q5_0(byte[] q, int o, float[] y, int at) {
        float d = f16(q, o);
        for (int s = 0; s < 16; s += LANES) {
            ByteVector packed = ByteVector.fromArray(B, q, o + 6 + s);
            widen(withBit(low(packed), fifthBits(q, o + 2, s)).sub((byte) 16)).mul(d).intoArray(y, at + s);
            widen(withBit(high(packed), fifthBits(q, o + 2, 16 + s)).sub((byte) 16)).mul(d).intoArray(y, at + 16 + s);
        }
    }

    /** y = d * q + m, the fifth bits from the u32 qh at o + 4. */
    private static void q5_1(byte[] q, int o, float[] y, int at) {
        float d = f16(q, o);
        float m = f16(q, o + 2);
        for (int s = 0; s < 16; s += LANES) {
            ByteVector packed = ByteVector.fromArray(B, q, o + 8 + s);
            widen(withBit(low(packed), fifthBits(q, o + 4, s))).mul(d).add(m).intoArray(y, at + s);
            widen(withBit(high(packed), fifthBits(q, o + 4, 16 + s))).mul(d).add(m).intoArray(y, at + 16 + s);
        }
    }

    /** y = (d * scale) * q - dmin * min per sub-block of 32: low nibbles of 32 bytes, then their high nibbles. */
    private static void q4_K(byte[] q, int o, float[] y, int at) {
        float d = f16(q, o);
        float dmin = f16(q, o + 2);
        int scales = o + 4;
        int qs = o + 16;
        for (int k = 0; k < 4; k++) {
            float d1 = d * scale(q, scales, 2 * k);
            float m1 = dmin * min(q, scales, 2 * k);
            float d2 = d * scale(q, scales, 2 * k + 1);
            float m2 = dmin * min(q, scales, 2 * k + 1);
            for (int l = 0; l < 32; l += LANES) {
                ByteVector packed = ByteVector.fromArray(B, q, qs + 32 * k + l);
                widen(low(packed)).mul(d1).sub(m1).intoArray(y, at + 64 * k + l);
                widen(high(packed)).mul(d2).sub(m2).intoArray(y, at + 64 * k + 32 + l);
            }
        }
    }

    /** Q4_K with fifth bits: bit 2k of qh[l] tops up sub-block 2k's value l, bit 2k + 1 sub-block 2k + 1's. */
    private static void q5_K(byte[] q, int o, float[] y, int at) {
        float d = f16(q, o);
        float dmin = f16(q, o + 2);
        int scales = o + 4;
        int qhs = o + 16;
        int qs = o + 48;
        for (int k = 0; k < 4; k++) {
            float d1 = d * scale(q, scales, 2 * k);
            float m1 = dmin * min(q, scales, 2 * k);
            float d2 = d * scale(q, scales, 2 * k + 1);
            float m2 = dmin * min(q, scales, 2 * k + 1);
            byte lowBit = (byte) (1 << 2 * k);
            byte highBit = (byte) (2 << 2 * k);
            for (int l = 0; l < 32; l += LANES) {
                ByteVector qh = ByteVector.fromArray(B, q, qhs + l);
                ByteVector packed = ByteVector.fromArray(B, q, qs + 32 * k + l);
                ByteVector lo = withBit(low(packed), qh.and(lowBit).compare(VectorOperators.NE, 0));
                ByteVector hi = withBit(high(packed), qh.and(highBit).compare(VectorOperators.NE, 0));
                widen(lo).mul(d1).sub(m1).intoArray(y, at + 64 * k + l);
                widen(hi).mul(d2).sub(m2).intoArray(y, at + 64 * k + 32 + l);
            }
        }
    }

    /**
     * y = (d * scale) * (q - 32): per half of 128 values, quarter 0 takes the low nibbles of ql[0..32) and
     * bits 0-1 of qh[0..32), quarter 1 the low nibbles of ql[32..64) and bits 2-3, quarter 2 the high nibbles
     * of ql[0..32) and bits 4-5, quarter 3 the high nibbles of ql[32..64) and bits 6-7; 16 values per scale.
     * The loop takes quarters p and p + 2 together, as they share their nibble bytes: shifting qh left by
     * 2 - 2p puts their bit pairs at bits 2-3 and 6-7 for both p. (One loop body for both p, rather than the
     * four quarters written out, keeps the method small enough for C2 to inline every vector operation.)
     */
    private static void q6_K(byte[] q, int o, float[] y, int at) {
        float d = f16(q, o + 208);
        for (int half = 0; half < 2; half++) {
            int ql = o + 64 * half;
            int qh = o + 128 + 32 * half;
            int sc = o + 192 + 8 * half;
            int base = at + 128 * half;
            for (int l = 0; l < 32; l += LANES) {
                ByteVector h = ByteVector.fromArray(B, q, qh + l);
                for (int p = 0; p < 2; p++) {
                    ByteVector packed = ByteVector.fromArray(B, q, ql + 32 * p + l);
                    ByteVector hp = shiftLeft(h, 2 - 2 * p);
                    ByteVector lo = low(packed).or(shiftLeft(hp, 2).and((byte) 0x30)).sub((byte) 32);
                    ByteVector hi = high(packed).or(shiftRight(hp, 2).and((byte) 0x30)).sub((byte) 32);
                    int scale = sc + l / 16 + 2 * p;
                    widen(lo).mul(d * q[scale]).intoArray(y, base + 32 * p + l);
                    widen(hi).mul(d * q[scale + 4]).intoArray(y, base + 32 * p + l + 64);
                }
            }
        }
    }

    /** y = d * e4m3(q), 32 codes after the F16 d. */
    private static void fp8(byte[] q, int o, float[] y, int at) {
        float d = f16(q, o);
        for (int l = 0; l < 32; l += LANES) {
            e4m3(ByteVector.fromArray(B, q, o + 2 + l)).mul(d).intoArray(y, at + l);
        }
    }

    /**
     * 16 FP8 E4M3 codes as the floats {@link Fp8E4M3#decode} gives, by bit arithmetic instead of its table:
     * a normal code's 4 exponent and 3 mantissa bits move to the top of a float's (the exponent rebiased
     * from 7 to 127), a subnormal one (exponent 0) is its mantissa times 2^-9, S.1111.111 is NaN; then the
     * sign bit. Every E4M3 value is a float exactly.
     */
    private static FloatVector e4m3(ByteVector codes) {
        IntVector c = (IntVector) codes.convertShape(VectorOperators.B2I, I, 0); // sign-extended
        IntVector magnitude = c.and(0x7F);
        IntVector normal = magnitude.lanewise(VectorOperators.LSHL, 20).add((127 - 7) << 23);
        IntVector subnormal = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0)).mul(0x1p-9f).reinterpretAsInts();
        IntVector bits = normal.blend(subnormal, magnitude.compare(VectorOperators.LT, 8))
                .blend(Float.floatToRawIntBits(Float.NaN), magnitude.compare(VectorOperators.EQ, 0x7F));
        return bits.or(c.and(0x80).lanewise(VectorOperators.LSHL, 24)).reinterpretAsFloats();
    }

    private static ByteVector low(ByteVector packed) {
        return packed.and((byte) 0x0F);
    }

    private static ByteVector high(ByteVector packed) {
        return shiftRight(packed, 4).and((byte) 0x0F);
    }

    /**
     * Shifts each byte left by {@code n} (0..7) as 16-bit lanes: x86 has no byte shifts, so C2 widens a byte
     * vector's shift to shorts and narrows it back, while a shift of shorts is one instruction (Q4_0 rows
     * dequantized about a fifth faster this way). The top bits of each even byte land in the low {@code n}
     * bits of the odd byte above it: every caller masks them off.
     */
    private static ByteVector shiftLeft(ByteVector v, int n) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHL, n).reinterpretAsBytes();
    }

    /** {@link #shiftLeft}'s twin: the low bits of each odd byte land in the top {@code n} bits of the byte below. */
    private static ByteVector shiftRight(ByteVector v, int n) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, n).reinterpretAsBytes();
    }

    /**
     * Lane j set where bit {@code first + j} of the u32 at {@code q[qh]} is set ({@code first} is 0 or 16, or
     * with 8 lanes also 8 or 24): with 16 lanes the shuffle spreads two of its bytes over the lanes, eight
     * each; with 8 lanes the one byte is broadcast.
     */
    private static VectorMask<Byte> fifthBits(byte[] q, int qh, int first) {
        ByteVector spread = LANES == 16
                ? ByteVector.fromArray(B, q, qh).rearrange(first == 0 ? LOW_BITS : HIGH_BITS)
                : ByteVector.broadcast(B, q[qh + first / 8]);
        return spread.and(BIT).compare(VectorOperators.NE, 0);
    }

    /** A nibble with its fifth bit (16) where the mask is set. */
    private static ByteVector withBit(ByteVector nibbles, VectorMask<Byte> fifth) {
        return nibbles.lanewise(VectorOperators.OR, (byte) 16, fifth);
    }

    /** {@link #LANES} signed bytes as as many floats, exactly. */
    private static FloatVector widen(ByteVector v) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, V, 0);
    }

    private static float f16(byte[] q, int o) {
        return Float.float16ToFloat((short) ((q[o] & 0xff) | (q[o + 1] << 8)));
    }

    /** {@link BlockFormat#scale} on a byte array. */
    private static int scale(byte[] q, int o, int j) {
        return j < 4 ? q[o + j] & 63 : (q[o + j + 4] & 0x0F) | ((q[o + j - 4] & 0xff) >> 6) << 4;
    }

    /** {@link BlockFormat#min} on a byte array. */
    private static int min(byte[] q, int o, int j) {
        return j < 4 ? q[o + j + 4] & 63 : (q[o + j + 4] & 0xff) >> 4 | ((q[o + j] & 0xff) >> 6) << 4;
    }
}
