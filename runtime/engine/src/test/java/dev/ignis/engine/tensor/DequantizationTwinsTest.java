package dev.ignis.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vector dequantization of every block format that has one ({@link BlockKernels}) gives bit for bit
 * the values of the format's scalar twin ({@link BlockFormat#dequantize}), on random blocks: F16 scales of
 * both signs, normal, subnormal, zero and any bit pattern at all (infinities and NaNs); quant bytes random,
 * or counting through every byte value so that every quant value and every fifth or sixth bit occurs (for
 * FP8, every code: normal, subnormal, zero and NaN, of both signs).
 */
class DequantizationTwinsTest {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final BlockFormat[] VECTOR_FORMATS = {
        BlockFormat.Q4_0, BlockFormat.Q4_1, BlockFormat.Q5_0, BlockFormat.Q5_1,
        BlockFormat.Q4_K, BlockFormat.Q5_K, BlockFormat.Q6_K, BlockFormat.FP8};

    private final SplittableRandom random = new SplittableRandom(11);

    /** Byte offsets of a block's F16 scales (d, and m or dmin), from {@link BlockFormat}'s layouts. */
    static int[] scaleOffsets(BlockFormat format) {
        return switch (format) {
            case Q4_0, Q5_0, FP8 -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(format.toString());
        };
    }

    /**
     * F16 bits: a normal value of either sign, a subnormal, a signed zero, or (when {@code anyBits}) any of
     * the 65536 patterns, infinities and NaNs among them.
     */
    static short randomScale(SplittableRandom random, boolean anyBits) {
        int sign = random.nextBoolean() ? 0x8000 : 0;
        return (short) switch (random.nextInt(anyBits ? 8 : 6)) {
            case 0, 1, 2 -> sign | (1 + random.nextInt(30)) << 10 | random.nextInt(1 << 10); // normal
            case 3, 4 -> sign | 1 + random.nextInt(0x3FF);                                   // subnormal
            case 5 -> sign;                                                                   // zero
            default -> random.nextInt(1 << 16);
        };
    }

    /**
     * {@code blocks} blocks of {@code format}: random scales, and every other byte random or, when
     * {@code counting}, the next value of a byte counter starting at 0 (so 256 such bytes hold every value).
     */
    static MemorySegment randomBlocks(BlockFormat format, long blocks, SplittableRandom random, boolean anyBits,
                                      boolean counting, Arena arena) {
        MemorySegment data = arena.allocate(blocks * format.blockBytes(), 64);
        int counter = 0;
        for (long i = 0; i < data.byteSize(); i++) {
            data.set(ValueLayout.JAVA_BYTE, i, (byte) (counting ? counter++ : random.nextInt(256)));
        }
        for (long b = 0; b < blocks; b++) {
            for (int at : scaleOffsets(format)) {
                data.set(U16, b * format.blockBytes() + at, randomScale(random, anyBits));
            }
        }
        return data;
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToIntBits(values[i]); // NaNs as one pattern: Java fixes no NaN's payload
        }
        return bits;
    }

    /** Rows of one block, a few blocks, and 16 blocks (for Q4_0, the 256 bytes a counting row needs). */
    @Test
    void vectorRowsEqualTheScalarTwinBitForBit() {
        for (BlockFormat format : VECTOR_FORMATS) {
            for (int blocks : new int[] {1, 3, 16}) {
                int cols = blocks * format.blockSize();
                int rowBytes = blocks * format.blockBytes();
                for (int trial = 0; trial < 40; trial++) {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment data = randomBlocks(format, blocks, random, true, trial == 0, arena);
                        float[] scalar = new float[cols];
                        for (int b = 0; b < blocks; b++) {
                            format.dequantize(data, (long) b * format.blockBytes(), scalar, b * format.blockSize());
                        }
                        byte[] q = data.toArray(ValueLayout.JAVA_BYTE);
                        assertThat(q).hasSize(rowBytes);
                        float[] vector = new float[cols];
                        BlockKernels.dequantizeRow(format, q, vector, blocks);
                        assertThat(bits(vector)).as("%s, %d blocks, trial %d", format, blocks, trial)
                                .containsExactly(bits(scalar));
                    }
                }
            }
        }
    }

    /**
     * What {@code BlockMatrix.row} selects (the vector kernels when vectorization is on and the vectors are
     * wide enough, else the twin) gives the twin's values, on every row of a matrix whose rows start at
     * offsets that are not multiples of the vector size.
     */
    @Test
    void blockMatrixRowsEqualTheScalarTwinBitForBit() {
        for (BlockFormat format : VECTOR_FORMATS) {
            int rows = 5;
            int blocks = format.blockSize() == 32 ? 7 : 3;
            int cols = blocks * format.blockSize();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = randomBlocks(format, (long) rows * blocks, random, true, false, arena);
                BlockMatrix m = new BlockMatrix(format, data, rows, cols);
                float[] row = new float[cols];
                float[] expected = new float[cols];
                for (int r = 0; r < rows; r++) {
                    m.row(r, row);
                    for (int b = 0; b < blocks; b++) {
                        format.dequantize(data, ((long) r * blocks + b) * format.blockBytes(), expected,
                                b * format.blockSize());
                    }
                    assertThat(bits(row)).as("%s row %d", format, r).containsExactly(bits(expected));
                }
            }
        }
    }

    @Test
    void onlyFormatsWithAVectorKernelAreHandled() {
        for (BlockFormat format : BlockFormat.values()) {
            boolean listed = java.util.Arrays.asList(VECTOR_FORMATS).contains(format);
            assertThat(BlockKernels.handles(format)).as(format.toString()).isEqualTo(listed);
        }
    }
}
