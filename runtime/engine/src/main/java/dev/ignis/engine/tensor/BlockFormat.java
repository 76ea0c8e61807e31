package dev.ignis.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The byte layout of one quantized block and how to turn it back into floats. Each constant documents
 * its layout; values are written {@code y[i]} for element {@code i} of the block. {@link #dequantize} is
 * the scalar twin of {@link BlockKernels}' vector dequantization of the 4-, 5- and 6-bit formats and FP8:
 * both must give the same bits, so a change to one's arithmetic is a change to the other's.
 */
public enum BlockFormat {

    /** 32 values in 18 bytes: F16 {@code d}, 16 bytes of nibbles; low nibbles are y[0..15], high y[16..31]; y = d * (q - 8). */
    Q4_0(32, 18) {
        @Override
        void dequantize(MemorySegment s, long o, float[] y, int at) {
            float d = f16(s, o);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, o + 2 + j);
                y[at + j] = d * ((q & 0x0F) - 8);
                y[at + j + 16] = d * ((q >> 4) - 8);
            }
        }
    },
    /** 32 values in 20 bytes: F16 {@code d}, F16 {@code m}, 16 bytes of nibbles as Q4_0; y = d * q + m. */
    Q4_1(32, 20) {
        @Override
        void dequantize(MemorySegment s, long o, float[] y, int at) {
            float d = f16(s, o);
            float m = f16(s, o + 2);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, o + 4 + j);
                y[at + j] = d * (q & 0x0F) + m;
                y[at + j + 16] = d * (q >> 4) + m;
            }
        }
    },
    /**
     * 32 values in 22 bytes: F16 {@code d}, a little-endian u32 {@code qh} of fifth bits (bit j for y[j],
     * bit j+16 for y[j+16]), 16 bytes of nibbles as Q4_0; y = d * (q - 16).
     */
    Q5_0(32, 22) {
        @Override
        void dequantize(MemorySegment s, long o, float[] y, int at) {
            float d = f16(s, o);
            int qh = s.get(U32, o + 2);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, o + 6 + j);
                int lo = (q & 0x0F) | ((qh >>> j) & 1) << 4;
                int hi = (q >> 4) | ((qh >>> (j + 16)) & 1) << 4;
                y[at + j] = d * (lo - 16);
                y[at + j + 16] = d * (hi - 16);
            }
        }
    },
    /** 32 values in 24 bytes: F16 {@code d}, F16 {@code m}, u32 {@code qh}, 16 bytes of nibbles; y = d * q + m. */
    Q5_1(32, 24) {
        @Override
        void dequantize(MemorySegment s, long o, float[] y, int at) {
            float d = f16(s, o);
            float m = f16(s, o + 2);
            int qh = s.get(U32, o + 4);
            for (int j = 0; j < 16; j++) {
                int q = u8(s, o + 8 + j);
                y[at + j] = d * ((q & 0x0F) | ((qh >>> j) & 1) << 4) + m;
                y[at + j + 16] = d * ((q >> 4) | ((qh >>> (j + 16)) & 1) << 4) + m;
            }
        }
    },
    /** 32 values in 34 bytes: F16 {@code d}, 32 signed bytes; y = d * q. */
    Q8_0(32, 34) {
        @Override
        void dequantize(MemorySegment s, long o, float[] y, int at) {
            float d = f16(s, o);
            for (int j = 0; j < 32; j++) {
                y[at + j] = d * s.get(ValueLayout.JAVA_BYTE, o + 2 + j);
            }
        }
    },
    /**
     * 256 values in 144 bytes: F16 {@code d}, F16 {@code dmin}, 12 bytes packing eight 6-bit scales and
     * eight 6-bit mins, 128 bytes of nibbles. Each 64 values use two sub-blocks: the low nibbles of 32
     * bytes with scale/min {@code 2k}, then their high nibbles with {@code 2k+1};
     * y = d * scale * q - dmin * min.
     */
    Q4_K(256, 144) {
        @Override
        void dequantize(MemorySegment s, long o, float[] y, int at) {
            float d = f16(s, o);
            float dmin = f16(s, o + 2);
            long scales = o + 4;
            long qs = o + 16;
            for (int k = 0; k < 4; k++) {
                float d1 = d * scale(s, scales, 2 * k);
                float m1 = dmin * min(s, scales, 2 * k);
                float d2 = d * scale(s, scales, 2 * k + 1);
                float m2 = dmin * min(s, scales, 2 * k + 1);
                for (int l = 0; l < 32; l++) {
                    int q = u8(s, qs + 32L * k + l);
                    y[at + 64 * k + l] = d1 * (q & 0x0F) - m1;
                    y[at + 64 * k + 32 + l] = d2 * (q >> 4) - m2;
                }
            }
        }
    },
    /**
     * 256 values in 176 bytes: as Q4_K plus 32 bytes {@code qh} of fifth bits before the nibbles: for the
     * sub-block pair {@code k}, bit {@code 2k} of {@code qh[l]} tops up the low nibble, bit {@code 2k+1} the high.
     */
    Q5_K(256, 176) {
        @Override
        void dequantize(MemorySegment s, long o, float[] y, int at) {
            float d = f16(s, o);
            float dmin = f16(s, o + 2);
            long scales = o + 4;
            long qh = o + 16;
            long qs = o + 48;
            for (int k = 0; k < 4; k++) {
                float d1 = d * scale(s, scales, 2 * k);
                float m1 = dmin * min(s, scales, 2 * k);
                float d2 = d * scale(s, scales, 2 * k + 1);
                float m2 = dmin * min(s, scales, 2 * k + 1);
                for (int l = 0; l < 32; l++) {
                    int q = u8(s, qs + 32L * k + l);
                    int h = u8(s, qh + l);
                    y[at + 64 * k + l] = d1 * ((q & 0x0F) + ((h >> (2 * k)) & 1) * 16) - m1;
                    y[at + 64 * k + 32 + l] = d2 * ((q >> 4) + ((h >> (2 * k + 1)) & 1) * 16) - m2;
                }
            }
        }
    },
    /**
     * 256 values in 210 bytes: 128 bytes {@code ql} of low nibbles, 64 bytes {@code qh} of high 2-bit pairs,
     * 16 signed 8-bit scales, F16 {@code d}. Each half of 128 values takes 64 bytes of ql and 32 of qh;
     * value quarters {@code 0..3} at {@code l} (0..31) use ql[l] low, ql[l+32] low, ql[l] high, ql[l+32] high
     * with qh[l] bits 0-1, 2-3, 4-5, 6-7; y = d * scale[l/16 + 2*quarter] * (q - 32).
     */
    Q6_K(256, 210) {
        @Override
        void dequantize(MemorySegment s, long o, float[] y, int at) {
            float d = f16(s, o + 208);
            for (int half = 0; half < 2; half++) {
                long ql = o + 64L * half;
                long qh = o + 128 + 32L * half;
                long sc = o + 192 + 8L * half;
                int base = at + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int lo = u8(s, ql + l);
                    int lo32 = u8(s, ql + l + 32);
                    int h = u8(s, qh + l);
                    int q1 = ((lo & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((lo32 & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = ((lo >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = ((lo32 >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    y[base + l] = d * s.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                    y[base + l + 32] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                    y[base + l + 64] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                    y[base + l + 96] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
                }
            }
        }
    },
    /**
     * Ignis's FP8 type: 32 values in 34 bytes: F16 scale {@code d}, then 32 FP8 E4M3 bytes (1 sign bit,
     * 4 exponent bits with bias 7, 3 mantissa bits; no infinities; S.1111.111 is NaN; largest 448);
     * y = d * e4m3(q). The scale maps the block's largest magnitude to 448.
     */
    FP8(32, 34) {
        @Override
        void dequantize(MemorySegment s, long o, float[] y, int at) {
            float d = f16(s, o);
            for (int j = 0; j < 32; j++) {
                y[at + j] = d * Fp8E4M3.decode(u8(s, o + 2 + j));
            }
        }
    },
    /** 1 value in 2 bytes: the upper half of an IEEE-754 float. */
    BF16(1, 2) {
        @Override
        void dequantize(MemorySegment s, long o, float[] y, int at) {
            y[at] = Float.intBitsToFloat((s.get(U16, o) & 0xffff) << 16);
        }
    };

    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int blockSize;
    private final int blockBytes;

    BlockFormat(int blockSize, int blockBytes) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockBytes() {
        return blockBytes;
    }

    /** Writes the block at byte offset {@code o} of {@code s} into {@code y[at .. at + blockSize)}. */
    abstract void dequantize(MemorySegment s, long o, float[] y, int at);

    static float f16(MemorySegment s, long o) {
        return Float.float16ToFloat(s.get(U16, o));
    }

    static int u8(MemorySegment s, long o) {
        return s.get(ValueLayout.JAVA_BYTE, o) & 0xff;
    }

    /** The 6-bit scale {@code j} (0..7) of a K-quant's 12 packed bytes. */
    static int scale(MemorySegment s, long q, int j) {
        return j < 4 ? u8(s, q + j) & 63 : (u8(s, q + j + 4) & 0x0F) | ((u8(s, q + j - 4) >> 6) << 4);
    }

    /** The 6-bit min {@code j} (0..7) of a K-quant's 12 packed bytes. */
    static int min(MemorySegment s, long q, int j) {
        return j < 4 ? u8(s, q + j + 4) & 63 : (u8(s, q + j + 4) >> 4) | ((u8(s, q + j) >> 6) << 4);
    }
}
