package dev.ignis.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Dequantization of known blocks, written byte by byte from each layout, and quantizer round trips. */
class BlockFormatTest {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static float[] dequantize(BlockFormat f, MemorySegment block) {
        float[] y = new float[f.blockSize()];
        f.dequantize(block, 0, y, 0);
        return y;
    }

    private static void b(MemorySegment s, long at, int value) {
        s.set(ValueLayout.JAVA_BYTE, at, (byte) value);
    }

    @Test
    void q4_0AndQ4_1KnownBlocks() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q4 = arena.allocate(18);
            q4.set(U16, 0, Float.floatToFloat16(0.5f));
            for (int j = 0; j < 16; j++) {
                b(q4, 2 + j, j | (15 - j) << 4); // low nibble j, high nibble 15 - j
            }
            float[] y = dequantize(BlockFormat.Q4_0, q4);
            for (int j = 0; j < 16; j++) {
                assertThat(y[j]).isEqualTo(0.5f * (j - 8));
                assertThat(y[j + 16]).isEqualTo(0.5f * (15 - j - 8));
            }
            MemorySegment q41 = arena.allocate(20);
            q41.set(U16, 0, Float.floatToFloat16(2f));
            q41.set(U16, 2, Float.floatToFloat16(-1f));
            for (int j = 0; j < 16; j++) {
                b(q41, 4 + j, 3 | 9 << 4);
            }
            y = dequantize(BlockFormat.Q4_1, q41);
            assertThat(y[0]).isEqualTo(2f * 3 - 1);
            assertThat(y[31]).isEqualTo(2f * 9 - 1);
        }
    }

    @Test
    void q5KnownBlocksUseTheFifthBit() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment q5 = arena.allocate(22);
            q5.set(U16, 0, Float.floatToFloat16(1f));
            q5.set(U32, 2, 1 | 1 << 16 | 1 << 31); // fifth bit of y[0], y[16] and y[31]
            for (int j = 0; j < 16; j++) {
                b(q5, 6 + j, 0x0F | 0x0F << 4);
            }
            float[] y = dequantize(BlockFormat.Q5_0, q5);
            assertThat(y[0]).isEqualTo(31 - 16);
            assertThat(y[1]).isEqualTo(15 - 16);
            assertThat(y[16]).isEqualTo(31 - 16);
            assertThat(y[17]).isEqualTo(15 - 16);
            assertThat(y[31]).isEqualTo(31 - 16);

            MemorySegment q51 = arena.allocate(24);
            q51.set(U16, 0, Float.floatToFloat16(1f));
            q51.set(U16, 2, Float.floatToFloat16(0.5f));
            q51.set(U32, 4, 1 << 3);
            y = dequantize(BlockFormat.Q5_1, q51);
            assertThat(y[3]).isEqualTo(16.5f);
            assertThat(y[4]).isEqualTo(0.5f);
        }
    }

    @Test
    void q4_KKnownBlockUnpacksSixBitScalesAndMins() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(144);
            k.set(U16, 0, Float.floatToFloat16(1f));      // d
            k.set(U16, 2, Float.floatToFloat16(0.25f));   // dmin
            // Scales 0..3 in bytes 0..3 (low 6 bits), mins 0..3 in bytes 4..7.
            for (int j = 0; j < 4; j++) {
                b(k, 4 + j, j + 1);       // scale j = j + 1
                b(k, 4 + 4 + j, 2 * j);   // min j = 2j
            }
            // Scales/mins 4..7: low 4 bits in bytes 8..11, high 2 bits in the top of bytes 0..3 / 4..7.
            for (int j = 4; j < 8; j++) {
                b(k, 4 + j + 4, 5 | 1 << 4); // scale low = 5, min low = 1
            }
            b(k, 4, (1) | 1 << 6);           // scale 0 = 1, plus high bits (1) for scale 4: 5 + 16 = 21
            b(k, 4 + 4, 0 | 2 << 6);         // min 0 = 0, plus high bits (2) for min 4: 1 + 32 = 33
            for (int l = 0; l < 128; l++) {
                b(k, 16 + l, 7 | 3 << 4);    // every low nibble 7, high nibble 3
            }
            float[] y = dequantize(BlockFormat.Q4_K, k);
            assertThat(y[0]).isEqualTo(1f * 1 * 7 - 0.25f * 0);    // sub-block 0: scale 1, min 0
            assertThat(y[32]).isEqualTo(1f * 2 * 3 - 0.25f * 2);   // sub-block 1: high nibbles, scale 2, min 2
            assertThat(y[64]).isEqualTo(1f * 3 * 7 - 0.25f * 4);   // sub-block 2
            assertThat(y[128]).isEqualTo(1f * 21 * 7 - 0.25f * 33); // sub-block 4: 6-bit values from both parts
            assertThat(y[160]).isEqualTo(1f * 5 * 3 - 0.25f * 1);  // sub-block 5
        }
    }

    @Test
    void q5_KAndQ6_KKnownBlocks() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k5 = arena.allocate(176);
            k5.set(U16, 0, Float.floatToFloat16(1f));
            k5.set(U16, 2, Float.floatToFloat16(0f));
            for (int j = 0; j < 4; j++) {
                b(k5, 4 + j, 1);
            }
            b(k5, 16, 0b0000_0110);   // qh[0]: bit 1 (sub-block 1, high nibble) and bit 2 (sub-block 2, low)
            for (int l = 0; l < 128; l++) {
                b(k5, 48 + l, 2 | 4 << 4);
            }
            float[] y = dequantize(BlockFormat.Q5_K, k5);
            assertThat(y[0]).isEqualTo(2);        // no fifth bit
            assertThat(y[32]).isEqualTo(4 + 16);  // high nibble of byte 0 with bit 1
            assertThat(y[64]).isEqualTo(2 + 16);  // low nibble of byte 32 with bit 2
            assertThat(y[33]).isEqualTo(4);

            MemorySegment k6 = arena.allocate(210);
            k6.set(U16, 208, Float.floatToFloat16(0.5f));
            for (int i = 0; i < 16; i++) {
                b(k6, 192 + i, i + 1);            // scale i = i + 1
            }
            b(k6, 0, 0x3 | 0x5 << 4);             // ql[0]: low 3 (y[0]), high 5 (y[64])
            b(k6, 32, 0x1 | 0x2 << 4);            // ql[32]: low 1 (y[32]), high 2 (y[96])
            b(k6, 128, 0b11_10_01_00);            // qh[0]: y[0] +0, y[32] +16, y[64] +32, y[96] +48
            float[] z = dequantize(BlockFormat.Q6_K, k6);
            assertThat(z[0]).isEqualTo(0.5f * 1 * (3 - 32));
            assertThat(z[32]).isEqualTo(0.5f * 3 * (1 + 16 - 32));
            assertThat(z[64]).isEqualTo(0.5f * 5 * (5 + 32 - 32));
            assertThat(z[96]).isEqualTo(0.5f * 7 * (2 + 48 - 32));
            assertThat(z[16]).isEqualTo(0.5f * 2 * (0 - 32)); // l = 16 uses scale index 1
        }
    }

    @Test
    void fp8E4M3EncodesEveryValueBackToItsCode() {
        for (int code = 0; code < 256; code++) {
            float v = Fp8E4M3.decode(code);
            if (Float.isNaN(v) || code == 0x80) {
                continue; // NaN, and -0 which encodes as +0's sign-bit twin
            }
            assertThat(Fp8E4M3.encode(v)).as("code %d (%s)", code, v).isEqualTo(code);
        }
        assertThat(Fp8E4M3.decode(0x7E)).isEqualTo(448f);
        assertThat(Fp8E4M3.decode(0x01)).isEqualTo(0x1p-9f);
        assertThat(Fp8E4M3.encode(1000f)).isEqualTo(0x7E);
    }

    /**
     * The encoder (float bits, rounded) against its definition: the nearest of the 127 non-negative finite
     * codes by exact distance, ties to the even code, the sign copied, above 448 saturated. On every code's
     * value and every midpoint between neighbours, each with its neighbouring floats (where ties and carries
     * into the next exponent happen), and on random floats of every magnitude.
     */
    @Test
    void fp8E4M3EncodesToTheNearestCodeTiesToEven() {
        List<Float> probes = new ArrayList<>();
        for (int code = 0; code < 0x7E; code++) {
            float lo = Fp8E4M3.decode(code);
            float hi = Fp8E4M3.decode(code + 1);
            float mid = (lo + hi) / 2; // exact: both have at most 4 significant bits
            for (float p : new float[] {lo, mid, hi}) {
                probes.add(p);
                probes.add(Math.nextUp(p));
                probes.add(Math.nextDown(p));
            }
        }
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 200_000; i++) {
            probes.add(Float.intBitsToFloat(random.nextInt(0x44000000))); // 0 up to 512, every exponent
        }
        probes.add(448f);
        probes.add(Math.nextUp(448f));
        probes.add(464f); // between 448 and the next E4M3 step: saturates
        probes.add(1e30f);
        probes.add(Float.POSITIVE_INFINITY);
        for (float p : probes) {
            for (float v : new float[] {p, -p}) {
                assertThat(Fp8E4M3.encode(v)).as("%s (%08x)", v, Float.floatToRawIntBits(v)).isEqualTo(nearestCode(v));
            }
        }
    }

    /** The definition, by search: exact distances in double, ties to the even code. */
    private static int nearestCode(float v) {
        int sign = v < 0 ? 0x80 : 0;
        double a = Math.min(Math.abs((double) v), 448);
        int best = 0;
        for (int code = 1; code <= 0x7E; code++) {
            double d = Math.abs(a - Fp8E4M3.decode(code));
            double bestD = Math.abs(a - Fp8E4M3.decode(best));
            if (d < bestD || d == bestD && (code & 1) == 0) {
                best = code;
            }
        }
        return sign | best;
    }

    @Test
    void quantizersRoundTripWithinTheirStepSize() {
        SplittableRandom random = new SplittableRandom(3);
        int rows = 8;
        int cols = 256;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate((long) rows * cols * 4);
            float[][] values = new float[rows][cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    values[r][c] = (float) random.nextGaussian();
                    data.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * (r * cols + c),
                            values[r][c]);
                }
            }
            F32Matrix source = new F32Matrix(data, rows, cols);
            for (Quantizer.Target target : Quantizer.Target.values()) {
                Matrix converted = Quantizer.convert(source, target, arena);
                float[] row = new float[cols];
                for (int r = 0; r < rows; r++) {
                    converted.row(r, row);
                    for (int b = 0; b < cols / 32; b++) {
                        float amax = 0;
                        for (int j = 0; j < 32; j++) {
                            amax = Math.max(amax, Math.abs(values[r][b * 32 + j]));
                        }
                        float bound = switch (target) {
                            case F16 -> amax * 1e-3f;
                            case BF16 -> amax * 8e-3f;
                            case FP8 -> amax * 0.07f;     // 3 mantissa bits: half a step is 1/16 relative
                            case Q8_0 -> amax / 127f * 0.51f + amax * 1e-3f;
                            // 16 levels d * (-8..7) with the largest magnitude at -8: values of the
                            // opposite sign near amax clamp at 7/8 of it, a full step away.
                            case Q4_0 -> amax / 8f + amax * 1e-3f;
                        };
                        for (int j = 0; j < 32; j++) {
                            int c = b * 32 + j;
                            assertThat(row[c]).as("%s row %d col %d", target, r, c)
                                    .isCloseTo(values[r][c], within(bound));
                        }
                    }
                    float[] x = new float[cols];
                    java.util.Arrays.fill(x, 0.1f);
                    assertThat(converted.dot(r, x)).isCloseTo(converted.dotScalar(r, x), within(1e-3f));
                }
            }
        }
    }
}
