package dev.ignis.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every vectorized kernel agrees with its scalar twin on random data, and dequantization is exact. */
class KernelTwinsTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final SplittableRandom random = new SplittableRandom(7);

    private float[] randomVector(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }

    @Test
    void f32DotVectorEqualsScalar() {
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : new int[] {1, 7, 16, 64, 100, 257}) {
                int rows = 5;
                MemorySegment data = arena.allocate((long) rows * cols * 4);
                for (long i = 0; i < (long) rows * cols; i++) {
                    data.set(F32, i * 4, (float) (random.nextDouble() * 2 - 1));
                }
                F32Matrix m = new F32Matrix(data, rows, cols);
                float[] x = randomVector(cols);
                float[] row = new float[cols];
                for (int r = 0; r < rows; r++) {
                    m.row(r, row);
                    assertThat(m.dot(r, x)).isCloseTo(m.dotScalar(r, x), within(1e-4f));
                    assertThat(m.dotScalar(r, x)).isCloseTo(Kernels.dotScalar(row, 0, x, 0, cols), within(1e-6f));
                    assertThat(Kernels.dot(row, 0, x, 0, cols)).isCloseTo(Kernels.dotScalar(row, 0, x, 0, cols),
                            within(1e-4f));
                }
            }
        }
    }

    /**
     * A Q8_0 matrix repacked into panels keeps every value of known blocks, and its vector kernel (one vector
     * or a tile of them, here four rows padded to a panel) gives the scalar twin's bits, which are the
     * sequential fused sum of the dequantized row ({@link Gemm#reference}).
     */
    @Test
    void q8_0PanelsKeepKnownBlocksAndTheKernelsGiveTheScalarTwinsBits() {
        int rows = 4;
        int cols = 96;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate((long) rows * (cols / 32) * 34);
            for (int r = 0; r < rows; r++) {
                for (int b = 0; b < cols / 32; b++) {
                    long block = ((long) r * (cols / 32) + b) * 34;
                    data.set(I16, block, Float.floatToFloat16(0.5f * (b + 1)));
                    for (int j = 0; j < 32; j++) {
                        data.set(ValueLayout.JAVA_BYTE, block + 2 + j, (byte) (random.nextInt(256) - 128));
                    }
                }
            }
            Q8_0Matrix m = new Q8_0Matrix(data, rows, cols);
            float[][] x = {randomVector(cols), randomVector(cols), randomVector(cols)};
            float[] single = new float[rows];
            m.matVec(x[0], single);
            float[][] batched = new float[3][rows];
            m.matMul(x, batched, 3);
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                m.row(r, row);
                for (int i = 0; i < cols; i++) {
                    long block = ((long) r * (cols / 32) + i / 32) * 34;
                    assertThat(row[i]).isEqualTo(0.5f * (i / 32 + 1) * data.get(ValueLayout.JAVA_BYTE, block + 2 + i % 32));
                }
                assertThat(m.dotScalar(r, x[0])).isEqualTo(Gemm.reference(row, x[0], cols));
                assertThat(single[r]).as("row %d alone", r).isEqualTo(m.dotScalar(r, x[0]));
                for (int s = 0; s < 3; s++) {
                    assertThat(batched[s][r]).as("row %d vector %d", r, s).isEqualTo(m.dotScalar(r, x[s]));
                }
                assertThat(m.dotScalar(r, x[0])).isCloseTo(Kernels.dotScalar(row, 0, x[0], 0, cols), within(1e-3f));
            }
        }
    }

    /** A Q8_0 matrix with random bytes and random scales (powers of two times 1..8, so some are tiny). */
    private MemorySegment randomQ8_0(Arena arena, int rows, int cols) {
        MemorySegment data = arena.allocate((long) rows * (cols / 32) * 34);
        for (long block = 0; block < (long) rows * (cols / 32); block++) {
            float d = (random.nextInt(8) + 1) * (float) Math.pow(2, -random.nextInt(12));
            data.set(I16, block * 34, Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) {
                data.set(ValueLayout.JAVA_BYTE, block * 34 + 2 + j, (byte) (random.nextInt(256) - 128));
            }
        }
        return data;
    }

    /**
     * The tiled matrix-matrix kernel gives every (row, vector) pair bit for bit what the single dot product
     * gives, whatever the number of vectors (tiles of four plus leftovers), rows (pairs plus a leftover) and
     * threads (chunks that start on odd rows), and stays within rounding of the scalar twin. The prompt's
     * product ({@link Matrix#matMulPrompt}) does the same below {@link Gemm#MIN_VECTORS} vectors; from there
     * on ({@link Gemm}) it gives every pair bit for bit its scalar twin ({@link Gemm#reference}: the fused
     * multiply-adds in column order), whatever the rows (not a multiple of its tile of two), vectors (37 and
     * 70: not a multiple of its block) and threads, and stays within {@link #GEMM_TOLERANCE} times the sum
     * of the terms' magnitudes of the dot product.
     */
    private void assertMatMulEqualsDot(Matrix m) {
        int rows = m.rows();
        int cols = m.cols();
        float[] row = new float[cols];
        try (Workers three = Workers.of(3); Workers one = Workers.of(1)) {
            // 32 and more go through the blocked product (and Gemm): 37 leaves a vector tile short, 70 spans
            // two blocks of the blocked product and three of Gemm's.
            for (int n : new int[] {1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 31, 32, 37, 70}) {
                float[][] x = new float[n][];
                for (int s = 0; s < n; s++) {
                    x[s] = randomVector(cols);
                }
                for (Workers workers : new Workers[] {one, three}) {
                    float[][] out = new float[n][rows];
                    m.matMul(x, out, n, workers);
                    float[][] prompt = new float[n][rows];
                    m.matMulPrompt(x, prompt, n, workers);
                    for (int s = 0; s < n; s++) {
                        for (int r = 0; r < rows; r++) {
                            String what = String.format("%s n %d vector %d row %d, %d threads", m.getClass().getSimpleName(),
                                    n, s, r, workers.threads());
                            float single = m.dot(r, x[s]);
                            assertThat(out[s][r]).as(what).isEqualTo(single);
                            // Float rounding grows with the sum of the terms' magnitudes, not with the result.
                            m.row(r, row);
                            double magnitude = 0;
                            for (int i = 0; i < cols; i++) {
                                magnitude += Math.abs(row[i] * x[s][i]);
                            }
                            assertThat(single).isCloseTo(m.dotScalar(r, x[s]), within((float) (1e-6 * magnitude)));
                            if (n >= Gemm.MIN_VECTORS) {
                                assertThat(prompt[s][r]).as(what).isEqualTo(Gemm.reference(row, x[s], cols));
                                assertThat(prompt[s][r]).as(what).isCloseTo(single, within((float) (GEMM_TOLERANCE * magnitude)));
                            } else {
                                assertThat(prompt[s][r]).as(what).isEqualTo(single);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * How far {@link Gemm}'s sum may be from {@link Matrix#dot}'s, relative to the sum of the terms'
     * magnitudes. Each is a float sum of {@code cols} products in its own order; the worst-case bound is
     * about {@code cols} units of 2^-24 of that magnitude, but rounding errors of both signs cancel like a
     * random walk, so the error grows with {@code sqrt(cols)}: about 2e-6 for the longest rows here (1100),
     * shared between the two sums. The scalar twins (also in another order than {@code dot}) are held to
     * 1e-6 above. The largest ratio these tests produced was 7.5e-7 (Q4_K rows of 512, 2026-11-27).
     */
    private static final double GEMM_TOLERANCE = 4e-6;

    @Test
    void q8_0MatMulEqualsDotBitForBitAndScalarWithinRounding() {
        try (Arena arena = Arena.ofShared()) {
            assertMatMulEqualsDot(new Q8_0Matrix(randomQ8_0(arena, 301, 256), 301, 256));
            // Rows longer than a chunk of the widened tiles (32 blocks), with a partial last chunk.
            assertMatMulEqualsDot(new Q8_0Matrix(randomQ8_0(arena, 37, 2112), 37, 2112));
        }
    }

    /**
     * Converting at load to Q8_0 or Q4_0 a matrix large enough that its panels are filled by several tasks
     * on the shared team's threads: each task encodes its own rows, and every row holds what encoding it
     * alone gives. (Until 2026-11-28, fourth session, the rows were encoded first into a confined arena that
     * the team's other threads could not read: such a conversion failed with a {@code WrongThreadException};
     * the small matrices of the other tests were repacked by one task on the caller's thread.)
     */
    @Test
    void conversionOfALargeMatrixEncodesItsRowsOnTheTeamsThreads() {
        int rows = 8192; // 512 panels: 3 tasks of at most 4 MB for Q8_0 rows of 1024, 2 for Q4_0
        int cols = 1024;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate((long) rows * cols * 4);
            for (long i = 0; i < (long) rows * cols; i++) {
                data.set(F32, i * 4, (float) random.nextGaussian());
            }
            F32Matrix source = new F32Matrix(data, rows, cols);
            for (Quantizer.Target target : new Quantizer.Target[] {Quantizer.Target.Q8_0, Quantizer.Target.Q4_0}) {
                Matrix converted = Quantizer.convert(source, target, arena);
                BlockFormat format = target == Quantizer.Target.Q8_0 ? BlockFormat.Q8_0 : BlockFormat.Q4_0;
                MemorySegment one = arena.allocate((long) cols / 32 * format.blockBytes());
                float[] values = new float[cols];
                float[] expected = new float[cols];
                float[] actual = new float[cols];
                for (int r = 0; r < rows; r += 97) {
                    source.row(r, values);
                    Quantizer.encodeRow(target, values, one, 0);
                    new BlockMatrix(format, one, 1, cols).row(0, expected);
                    converted.row(r, actual);
                    assertThat(actual).as("%s row %d", target, r).isEqualTo(expected);
                }
            }
        }
    }

    /**
     * F32 (rows copied), F16, BF16, FP8 and Q4_0 share the dequantize-then-tile kernel; F32, F16 and BF16 rows
     * of 100 have a scalar tail.
     */
    @Test
    void dequantizingTypesMatMulEqualsDotBitForBitAndScalarWithinRounding() {
        try (Arena arena = Arena.ofShared()) {
            // 1100 and 1056: rows longer than a chunk of the blocked product, with and without a scalar tail.
            for (int cols : new int[] {100, 256, 1056, 1100}) {
                int rows = 131;
                MemorySegment data = arena.allocate((long) rows * cols * 4);
                for (long i = 0; i < (long) rows * cols; i++) {
                    data.set(F32, i * 4, (float) random.nextGaussian());
                }
                F32Matrix source = new F32Matrix(data, rows, cols);
                assertMatMulEqualsDot(source);
                for (Quantizer.Target target : Quantizer.Target.values()) {
                    if (target != Quantizer.Target.Q8_0 && (cols % 32 == 0 || target == Quantizer.Target.F16
                            || target == Quantizer.Target.BF16)) {
                        assertMatMulEqualsDot(Quantizer.convert(source, target, arena));
                    }
                }
            }
        }
    }

    /**
     * The block formats read from files (their rows unpacked by {@link BlockKernels}) through the same tiles:
     * random blocks with scales of both signs, subnormal and zero included, rows of 512 values.
     */
    @Test
    void blockFormatsMatMulEqualsDotBitForBitAndScalarWithinRounding() {
        int rows = 131;
        int cols = 512;
        for (BlockFormat format : new BlockFormat[] {BlockFormat.Q4_0, BlockFormat.Q4_1, BlockFormat.Q5_0, BlockFormat.Q5_1,
            BlockFormat.Q4_K, BlockFormat.Q5_K, BlockFormat.Q6_K}) {
            try (Arena arena = Arena.ofShared()) {
                long blocks = (long) rows * (cols / format.blockSize());
                MemorySegment data = DequantizationTwinsTest.randomBlocks(format, blocks, random, false, false, arena);
                assertMatMulEqualsDot(new BlockMatrix(format, data, rows, cols));
            }
        }
    }

    /**
     * A Q4_0 matrix multiplies exactly as a Q8_0 matrix of the same values: its blocks written as Q8_0 by hand
     * here (the same F16 d, then the low nibbles minus 8, then the high ones) give the same rows and, alone
     * or batched, over one thread or three, the same bits, which are also those of the generic {@link
     * BlockMatrix}'s rows through {@link Gemm#reference}.
     */
    @Test
    void q4_0MultipliesBitForBitAsQ8_0OfTheSameValues() {
        int rows = 67;
        int cols = 544; // 17 blocks
        try (Arena arena = Arena.ofShared(); Workers three = Workers.of(3)) {
            long blocks = (long) rows * (cols / 32);
            MemorySegment q4 = DequantizationTwinsTest.randomBlocks(BlockFormat.Q4_0, blocks, random, false, false, arena);
            MemorySegment q8 = arena.allocate(blocks * 34);
            for (long b = 0; b < blocks; b++) {
                q8.set(I16, b * 34, q4.get(I16, b * 18));
                for (int i = 0; i < 16; i++) {
                    int packed = q4.get(ValueLayout.JAVA_BYTE, b * 18 + 2 + i) & 0xFF;
                    q8.set(ValueLayout.JAVA_BYTE, b * 34 + 2 + i, (byte) ((packed & 0x0F) - 8));
                    q8.set(ValueLayout.JAVA_BYTE, b * 34 + 18 + i, (byte) ((packed >> 4) - 8));
                }
            }
            BlockMatrix generic = new BlockMatrix(BlockFormat.Q4_0, q4, rows, cols);
            Q4_0Matrix q4Matrix = new Q4_0Matrix(q4, rows, cols);
            Q8_0Matrix q8Matrix = new Q8_0Matrix(q8, rows, cols);
            float[] a = new float[cols];
            float[] b = new float[cols];
            float[] c = new float[cols];
            for (int r = 0; r < rows; r++) {
                q4Matrix.row(r, a);
                q8Matrix.row(r, b);
                generic.row(r, c);
                assertThat(a).as("row %d", r).isEqualTo(b).isEqualTo(c);
            }
            for (int n : new int[] {1, 3, 4, 8, 9, 33}) {
                float[][] x = new float[n][];
                for (int s = 0; s < n; s++) {
                    x[s] = randomVector(cols);
                }
                float[][] fromQ4 = new float[n][rows];
                float[][] fromQ8 = new float[n][rows];
                q4Matrix.matMul(x, fromQ4, n, three);
                q8Matrix.matMul(x, fromQ8, n);
                for (int s = 0; s < n; s++) {
                    for (int r = 0; r < rows; r++) {
                        generic.row(r, c);
                        String what = String.format("n %d vector %d row %d", n, s, r);
                        assertThat(q4Matrix.dot(r, x[s])).as(what).isEqualTo(q8Matrix.dot(r, x[s]))
                                .isEqualTo(Gemm.reference(c, x[s], cols));
                        assertThat(fromQ4[s][r]).as(what).isEqualTo(fromQ8[s][r]).isEqualTo(q4Matrix.dot(r, x[s]));
                    }
                }
            }
        }
    }

    @Test
    void q4_0MatMulEqualsDotBitForBitAndScalarWithinRounding() {
        try (Arena arena = Arena.ofShared()) {
            assertMatMulEqualsDot(new Q4_0Matrix(DequantizationTwinsTest.randomBlocks(BlockFormat.Q4_0, 301L * 8, random,
                    false, false, arena), 301, 256));
            assertMatMulEqualsDot(new Q4_0Matrix(DequantizationTwinsTest.randomBlocks(BlockFormat.Q4_0, 37L * 66, random,
                    false, false, arena), 37, 2112));
        }
    }

    /**
     * {@code -Dignis.engine.vectorize=false} still multiplies correctly: the engine's classes loaded afresh
     * with the setting off compute every product with the scalar twin, batched or not.
     */
    @Test
    void vectorizeOffRunsTheScalarTwins() throws Exception {
        int rows = 64;
        int cols = 128;
        int n = 40; // a prompt's worth: with the Vector API off, matMulPrompt runs the scalar twin too
        String before = System.getProperty("ignis.engine.vectorize");
        System.setProperty("ignis.engine.vectorize", "false");
        try (Arena arena = Arena.ofShared();
             java.net.URLClassLoader loader = new java.net.URLClassLoader(
                     new java.net.URL[] {Q8_0Matrix.class.getProtectionDomain().getCodeSource().getLocation()},
                     ClassLoader.getPlatformClassLoader())) {
            Class<?> kernels = loader.loadClass(Kernels.class.getName());
            assertThat(kernels.getField("VECTORIZE").getBoolean(null)).isFalse();
            MemorySegment data = randomQ8_0(arena, rows, cols);
            Class<?> scalarClass = loader.loadClass(Q8_0Matrix.class.getName());
            Object scalar = scalarClass.getConstructor(MemorySegment.class, int.class, int.class).newInstance(data, rows, cols);
            Q8_0Matrix vector = new Q8_0Matrix(data, rows, cols);
            float[][] x = new float[n][];
            for (int s = 0; s < n; s++) {
                x[s] = randomVector(cols);
            }
            float[][] out = new float[n][rows];
            scalarClass.getMethod("matMul", float[][].class, float[][].class, int.class).invoke(scalar, x, out, n);
            float[][] prompt = new float[n][rows];
            Class<?> workersClass = loader.loadClass(Workers.class.getName());
            scalarClass.getMethod("matMulPrompt", float[][].class, float[][].class, int.class, workersClass)
                    .invoke(scalar, x, prompt, n, workersClass.getMethod("common").invoke(null));
            for (int s = 0; s < n; s++) {
                for (int r = 0; r < rows; r++) {
                    assertThat(out[s][r]).isEqualTo(vector.dotScalar(r, x[s]));
                    assertThat(prompt[s][r]).isEqualTo(out[s][r]);
                    assertThat(out[s][r]).isCloseTo(vector.dot(r, x[s]), within(1e-4f * (1 + Math.abs(out[s][r]))));
                }
            }
            // A K-quant's rows come from the format's scalar twin instead of BlockKernels: the same values.
            int kCols = 256;
            MemorySegment k = DequantizationTwinsTest.randomBlocks(BlockFormat.Q4_K, rows, random, false, false, arena);
            Class<?> formatClass = loader.loadClass(BlockFormat.class.getName());
            Class<?> blockClass = loader.loadClass(BlockMatrix.class.getName());
            Object scalarK = blockClass.getConstructor(formatClass, MemorySegment.class, int.class, int.class)
                    .newInstance(formatClass.getField("Q4_K").get(null), k, rows, kCols);
            java.lang.reflect.Field vectorRows = blockClass.getDeclaredField("vectorRows");
            vectorRows.setAccessible(true);
            assertThat(vectorRows.getBoolean(scalarK)).isFalse();
            BlockMatrix vectorK = new BlockMatrix(BlockFormat.Q4_K, k, rows, kCols);
            float[][] xk = new float[n][];
            for (int s = 0; s < n; s++) {
                xk[s] = randomVector(kCols);
            }
            float[][] outK = new float[n][rows];
            blockClass.getMethod("matMul", float[][].class, float[][].class, int.class).invoke(scalarK, xk, outK, n);
            for (int s = 0; s < n; s++) {
                for (int r = 0; r < rows; r++) {
                    assertThat(outK[s][r]).isEqualTo(vectorK.dotScalar(r, xk[s]));
                }
            }
        } finally {
            if (before == null) {
                System.clearProperty("ignis.engine.vectorize");
            } else {
                System.setProperty("ignis.engine.vectorize", before);
            }
        }
    }

    @Test
    void f16RowsDequantizeExactly() {
        int cols = 10;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(cols * 2L);
            float[] values = {0f, 1f, -2f, 0.5f, 65504f, -0.25f, 3.140625f, 1e-3f, 7f, -7f};
            for (int i = 0; i < cols; i++) {
                data.set(I16, i * 2L, Float.floatToFloat16(values[i]));
            }
            float[] row = new float[cols];
            F16Matrix m = new F16Matrix(data, 1, cols);
            m.row(0, row);
            for (int i = 0; i < cols; i++) {
                assertThat(row[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(values[i])));
            }
            float[] x = randomVector(cols);
            assertThat(m.dot(0, x)).isCloseTo(Kernels.dotScalar(row, 0, x, 0, cols), within(1e-4f));
        }
    }

    @Test
    void parallelMatVecEqualsRowByRow() {
        int rows = 700;
        int cols = 512;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate((long) rows * cols * 4);
            for (long i = 0; i < (long) rows * cols; i++) {
                data.set(F32, i * 4, (float) random.nextGaussian());
            }
            F32Matrix m = new F32Matrix(data, rows, cols);
            float[] x = randomVector(cols);
            float[] out = new float[rows];
            m.matVec(x, out);
            for (int r = 0; r < rows; r++) {
                assertThat(out[r]).isEqualTo(m.dot(r, x));
            }
        }
    }

    @Test
    void q8_0MatVecAndDotRangeEqualRowByRow() {
        // Large enough to go over the workers (rows x cols above Matrix.PARALLEL_THRESHOLD), a number of rows
        // that no panel size divides (the last panels padded), and ranges that start and end inside a panel.
        int rows = 1031;
        int cols = 512;
        try (Arena arena = Arena.ofShared(); Workers three = Workers.of(3); Workers one = Workers.of(1)) {
            Q8_0Matrix m = new Q8_0Matrix(randomQ8_0(arena, rows, cols), rows, cols);
            float[] x = randomVector(cols);
            for (Workers workers : new Workers[] {one, three}) {
                float[] out = new float[rows];
                m.matVec(x, out, workers);
                for (int r = 0; r < rows; r++) {
                    assertThat(out[r]).as("row %d, %d threads", r, workers.threads()).isEqualTo(m.dot(r, x));
                }
            }
            float[] range = new float[rows];
            java.util.Arrays.fill(range, Float.NaN);
            m.dotRange(5, 1000, x, range);
            float[][] tiles = new float[5][rows];
            for (float[] t : tiles) {
                java.util.Arrays.fill(t, Float.NaN);
            }
            float[][] xs = {x, randomVector(cols), randomVector(cols), randomVector(cols), randomVector(cols)};
            m.dotRows(17, 1030, xs, tiles, 5);
            for (int r = 0; r < rows; r++) {
                if (r >= 5 && r < 1000) {
                    assertThat(range[r]).as("row %d of a range", r).isEqualTo(m.dot(r, x));
                } else {
                    assertThat(range[r]).as("row %d outside the range", r).isNaN();
                }
                for (int s = 0; s < 5; s++) {
                    if (r >= 17 && r < 1030) {
                        assertThat(tiles[s][r]).as("row %d vector %d", r, s).isEqualTo(m.dot(r, xs[s]));
                    } else {
                        assertThat(tiles[s][r]).as("row %d vector %d outside the rows", r, s).isNaN();
                    }
                }
            }
        }
    }
}
