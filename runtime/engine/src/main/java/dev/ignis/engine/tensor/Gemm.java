package dev.ignis.engine.tensor;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix-matrix product of a prompt chunk (32 vectors or more), in the outer-product ("broadcast")
 * formulation of BLAS libraries instead of the dot products of {@link Kernels#dot4x4} (Q8_0 and Q4_0
 * have products of their own with this rounding, {@link PanelMatrix}). It changes the rounding: each (row,
 * vector) pair is the sequential fused sum {@code acc = fma(w[k], x[k], acc)} for {@code k = 0, 1, ..., cols - 1} from {@code acc = 0}
 * ({@link #reference}, its scalar twin, gives the same bits), not {@link Matrix#dot}'s lanes-then-sum order.
 * So it runs only where a caller asks for it ({@link Matrix#matMulPrompt}: the decoder's passes over one
 * sequence's prompt chunk) and only from {@link #MIN_VECTORS} vectors on; {@link Matrix#matMul} and
 * {@code dotRows} stay bit-identical to {@link Matrix#dot} for every count, so batched decode equals
 * single-sequence decode and an embedding does not depend on the sentences batched with it. As every pair
 * is that one sum whatever tile, block, padding or thread it ran in, a prompt chunk's results do not
 * depend on the rows or vectors around it either.
 *
 * <p>Layout. The vectors {@code x} are packed once per product ({@link #pack}), transposed into blocks of
 * {@link #TOKENS} vectors (four float vectors' worth: 32 on AVX2, 64 with 16 lanes): within a block,
 * column {@code k} of all its vectors is contiguous, so one vector load reads {@code x[s][k]} for 8 (or 16)
 * consecutive {@code s}. The weights are not transposed (that would cost a scalar move per weight, per
 * step, against {@code n / lanes} vector FMAs): groups of rows are dequantized ({@link Matrix#row}) into a
 * per-thread array, row-major as for the tiles, and the tile broadcasts single weights from them. The
 * register tile ({@link #tile2x4}) holds 2 rows × 4 vectors of tokens = eight accumulators, each lane one
 * (row, token) pair: per column {@code k} it loads four vectors of x, broadcasts the two rows' {@code w[k]}
 * and does eight FMAs, with no horizontal reduction anywhere. The columns go in blocks of {@link #KC}: for
 * each block, each token block passes over every pair of rows of the group, so the token block's slice of
 * x (128 columns × 32 tokens = 16 KB) stays in L1 while all the rows reuse it; the accumulators wait in an
 * array between column blocks (8 loads and stores per 1,024 FMAs), which changes no bit. Padding (rows to
 * a multiple of 2, tokens to a multiple of the block) computes lanes that are dropped.
 *
 * <p>Why this shape. On the machine it was tuned on (AMD EPYC, AVX2: 8 lanes, 16 vector registers;
 * 2026-11-27), tiles of 2 × 4, 5 × 2 and 3 × 3 ran at 66-76 GFLOP/s in L1 on one thread, against ~100 for
 * a loop of independent FMAs, while 6 × 2 (12 accumulators) and 4 × 3 ran at 43 and 24: C2 spills them.
 * On Llama-3.2-1B's three matrix shapes, one thread timed by CPU time, this product ran at 31-34 GFLOP/s
 * (Q4_0, 32 vectors) to 55-63 (Q8_0 and F32, 64 vectors), against 25-42 for the blocked dot products and
 * 10-19 for Q8_0's pairs (its tiles need 16 lanes); end to end, a 64-token prompt of a synthetic
 * Llama-3.2-1B ran 3.0x faster at Q8_0 and 1.25-1.7x at Q4_0 (docs/internals/engine.md has the table).
 * With 16 lanes and AVX-512's 32 registers the tile is {@link #tile8x2} instead: 8 rows × 2 vectors of
 * tokens, sixteen accumulators, and a token block of 32 rather than 64, so a 32-token chunk is not padded
 * to twice its size. On an AMD EPYC with AVX-512 (2026-11-28), one thread by CPU time, it ran Q8_0 and Q4_0
 * at 138-159 GFLOP/s for 32 vectors (2x the 2 × 4 tile's 66-72) and 162-181 for 64 (1.2-1.3x).
 */
final class Gemm {

    /** From this many vectors on, {@link Matrix#matMulPrompt} runs this product. */
    static final int MIN_VECTORS = 32;
    private static final VectorSpecies<Float> F = Kernels.F;
    private static final int LANES = F.length();
    /** Whether the register tile is {@link #tile8x2} (16 lanes or more, 32 registers) rather than {@link #tile2x4}. */
    private static final boolean WIDE = LANES >= 16;
    /** Rows per register tile. */
    private static final int ROWS = WIDE ? 8 : 2;
    /** Vectors (tokens) per block: the tile's float vectors' lanes (32 with 8 or 16 lanes). */
    private static final int TOKENS = (WIDE ? 2 : 4) * LANES;
    /** Columns per block: a token block's slice of x is {@code KC * TOKENS} floats (16 KB on AVX2). */
    private static final int KC = 128;
    /**
     * Floats of dequantized rows per group (512 KB, in L2): 64 rows of 2048, 16 of 8192. Groups of 32K
     * floats left rows of 8192 four to a group, and the 2048 × 8192 product at 33 GFLOP/s instead of ~50.
     */
    private static final int GROUP_FLOATS = 128 << 10;

    private static final ThreadLocal<float[]> PACKED = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> GROUP = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> ACC = ThreadLocal.withInitial(() -> new float[0]);

    private Gemm() {
    }

    /** Whether {@code n} vectors go through this product: vectorized, and a prompt's worth of vectors. */
    static boolean applies(int n) {
        return Kernels.VECTORIZE && n >= MIN_VECTORS;
    }

    /**
     * The scalar twin of one (row, vector) pair: {@code row} (dequantized) with {@code x}, the same fused
     * multiply-adds in the same order, so the same bits as the vector product.
     */
    static float reference(float[] row, float[] x, int cols) {
        float acc = 0;
        for (int k = 0; k < cols; k++) {
            acc = Math.fma(row[k], x[k], acc);
        }
        return acc;
    }

    private static float[] grow(ThreadLocal<float[]> local, int size) {
        float[] a = local.get();
        if (a.length < size) {
            a = new float[size];
            local.set(a);
        }
        return a;
    }

    /**
     * {@code x[0 .. n)} packed into this thread's buffer: block {@code b} (vectors {@code [b * TOKENS, (b + 1)
     * * TOKENS)}) at {@code b * cols * TOKENS}, value {@code x[s][k]} at {@code + k * TOKENS + s % TOKENS};
     * the vectors past {@code n} that fill the last block are zeros.
     */
    static float[] pack(float[][] x, int n, int cols) {
        int blocks = (n + TOKENS - 1) / TOKENS;
        float[] xp = grow(PACKED, blocks * cols * TOKENS);
        for (int b = 0; b < blocks; b++) {
            int base = b * cols * TOKENS;
            for (int j = 0; j < TOKENS; j++) {
                int s = b * TOKENS + j;
                float[] xs = s < n ? x[s] : null;
                for (int k = 0; k < cols; k++) {
                    xp[base + k * TOKENS + j] = xs == null ? 0f : xs[k];
                }
            }
        }
        return xp;
    }

    /**
     * {@link Matrix#matMulPrompt} for {@link #applies} vectors: x is packed once by the calling thread (the
     * workers only read it), then the rows are split over the workers as in {@link Matrix#matMul}.
     */
    static void matMul(Matrix m, float[][] x, float[][] out, int n, Workers workers) {
        float[] xp = pack(x, n, m.cols());
        int rows = m.rows();
        if ((long) rows * m.cols() * n < Matrix.PARALLEL_THRESHOLD || workers.threads() == 1) {
            multiply(m, 0, rows, xp, n, out);
            return;
        }
        int chunk = Math.max(1, rows / (workers.threads() * 4));
        workers.forEach((rows + chunk - 1) / chunk, c -> multiply(m, c * chunk, Math.min(rows, (c + 1) * chunk), xp, n, out));
    }

    /** {@code out[s][r]} for rows {@code [from, to)} and the {@code n} vectors packed in {@code xp}. */
    static void multiply(Matrix m, int from, int to, float[] xp, int n, float[][] out) {
        int cols = m.cols();
        int groupRows = Math.max(ROWS, GROUP_FLOATS / cols / ROWS * ROWS);
        groupRows = Math.min(groupRows, (to - from + ROWS - 1) / ROWS * ROWS);
        float[] group = grow(GROUP, groupRows * cols);
        int blocks = (n + TOKENS - 1) / TOKENS;
        int tileAcc = ROWS * TOKENS;
        float[] acc = grow(ACC, groupRows / ROWS * blocks * tileAcc);
        for (int g = from; g < to; g += groupRows) {
            int count = Math.min(groupRows, to - g);
            int tiles = (count + ROWS - 1) / ROWS;
            for (int i = 0; i < count; i++) {
                m.row(g + i, group, i * cols);
            }
            Arrays.fill(acc, 0, tiles * blocks * tileAcc, 0f);
            for (int k0 = 0; k0 < cols; k0 += KC) {
                int k1 = Math.min(cols, k0 + KC);
                for (int b = 0; b < blocks; b++) {
                    for (int t = 0; t < tiles; t++) {
                        if (WIDE) {
                            tile8x2(group, t * ROWS * cols, cols, xp, b * cols * TOKENS, k0, k1, acc, (t * blocks + b) * tileAcc);
                        } else {
                            tile2x4(group, t * ROWS * cols, cols, xp, b * cols * TOKENS, k0, k1, acc, (t * blocks + b) * tileAcc);
                        }
                    }
                }
            }
            for (int t = 0; t < tiles; t++) {
                for (int b = 0; b < blocks; b++) {
                    int a = (t * blocks + b) * tileAcc;
                    for (int i = 0; i < ROWS && t * ROWS + i < count; i++) {
                        int r = g + t * ROWS + i;
                        for (int j = 0; j < TOKENS && b * TOKENS + j < n; j++) {
                            out[b * TOKENS + j][r] = acc[a + i * TOKENS + j];
                        }
                    }
                }
            }
        }
    }

    /**
     * Rows {@code w[base ..]} and {@code w[base + cols ..]} with the token block packed at {@code xp[x0 ..]},
     * columns {@code [k0, k1)}, added to the eight accumulators at {@code acc[a .. a + 8 * lanes)} (row 0's four
     * vectors, then row 1's). Per column: four vector loads of x, two broadcast weights, eight FMAs.
     */
    static void tile2x4(float[] w, int base, int cols, float[] xp, int x0, int k0, int k1, float[] acc, int a) {
        int l = LANES;
        int w0 = base + 0 * cols;
        int w1 = base + 1 * cols;
        FloatVector c00 = FloatVector.fromArray(F, acc, a + 0 * l);
        FloatVector c01 = FloatVector.fromArray(F, acc, a + 1 * l);
        FloatVector c02 = FloatVector.fromArray(F, acc, a + 2 * l);
        FloatVector c03 = FloatVector.fromArray(F, acc, a + 3 * l);
        FloatVector c10 = FloatVector.fromArray(F, acc, a + 4 * l);
        FloatVector c11 = FloatVector.fromArray(F, acc, a + 5 * l);
        FloatVector c12 = FloatVector.fromArray(F, acc, a + 6 * l);
        FloatVector c13 = FloatVector.fromArray(F, acc, a + 7 * l);
        for (int k = k0; k < k1; k++) {
            int xo = x0 + k * 4 * l;
            FloatVector y0 = FloatVector.fromArray(F, xp, xo + 0 * l);
            FloatVector y1 = FloatVector.fromArray(F, xp, xo + 1 * l);
            FloatVector y2 = FloatVector.fromArray(F, xp, xo + 2 * l);
            FloatVector y3 = FloatVector.fromArray(F, xp, xo + 3 * l);
            FloatVector b0 = FloatVector.broadcast(F, w[w0 + k]);
            c00 = b0.fma(y0, c00);
            c01 = b0.fma(y1, c01);
            c02 = b0.fma(y2, c02);
            c03 = b0.fma(y3, c03);
            FloatVector b1 = FloatVector.broadcast(F, w[w1 + k]);
            c10 = b1.fma(y0, c10);
            c11 = b1.fma(y1, c11);
            c12 = b1.fma(y2, c12);
            c13 = b1.fma(y3, c13);
        }
        c00.intoArray(acc, a + 0 * l);
        c01.intoArray(acc, a + 1 * l);
        c02.intoArray(acc, a + 2 * l);
        c03.intoArray(acc, a + 3 * l);
        c10.intoArray(acc, a + 4 * l);
        c11.intoArray(acc, a + 5 * l);
        c12.intoArray(acc, a + 6 * l);
        c13.intoArray(acc, a + 7 * l);
    }

    /**
     * With 16 lanes (AVX-512's 32 registers): rows {@code w[base + i * cols ..]} for {@code i < 8} with the
     * token block packed at {@code xp[x0 ..]} (two vectors of 16 tokens), columns {@code [k0, k1)}, added to
     * the sixteen accumulators at {@code acc[a .. a + 16 * lanes)} (row 0's two vectors, then row 1's, ...).
     * Per column: two vector loads of x, eight broadcast weights, sixteen FMAs; a token block of 32 (not 64)
     * leaves no padding in a 32-token prompt chunk.
     */
    static void tile8x2(float[] w, int base, int cols, float[] xp, int x0, int k0, int k1, float[] acc, int a) {
        int l = LANES;
        int w0 = base;
        int w1 = base + cols;
        int w2 = base + 2 * cols;
        int w3 = base + 3 * cols;
        int w4 = base + 4 * cols;
        int w5 = base + 5 * cols;
        int w6 = base + 6 * cols;
        int w7 = base + 7 * cols;
        FloatVector c00 = FloatVector.fromArray(F, acc, a);
        FloatVector c01 = FloatVector.fromArray(F, acc, a + l);
        FloatVector c10 = FloatVector.fromArray(F, acc, a + 2 * l);
        FloatVector c11 = FloatVector.fromArray(F, acc, a + 3 * l);
        FloatVector c20 = FloatVector.fromArray(F, acc, a + 4 * l);
        FloatVector c21 = FloatVector.fromArray(F, acc, a + 5 * l);
        FloatVector c30 = FloatVector.fromArray(F, acc, a + 6 * l);
        FloatVector c31 = FloatVector.fromArray(F, acc, a + 7 * l);
        FloatVector c40 = FloatVector.fromArray(F, acc, a + 8 * l);
        FloatVector c41 = FloatVector.fromArray(F, acc, a + 9 * l);
        FloatVector c50 = FloatVector.fromArray(F, acc, a + 10 * l);
        FloatVector c51 = FloatVector.fromArray(F, acc, a + 11 * l);
        FloatVector c60 = FloatVector.fromArray(F, acc, a + 12 * l);
        FloatVector c61 = FloatVector.fromArray(F, acc, a + 13 * l);
        FloatVector c70 = FloatVector.fromArray(F, acc, a + 14 * l);
        FloatVector c71 = FloatVector.fromArray(F, acc, a + 15 * l);
        for (int k = k0; k < k1; k++) {
            int xo = x0 + k * 2 * l;
            FloatVector y0 = FloatVector.fromArray(F, xp, xo);
            FloatVector y1 = FloatVector.fromArray(F, xp, xo + l);
            FloatVector b = FloatVector.broadcast(F, w[w0 + k]);
            c00 = b.fma(y0, c00);
            c01 = b.fma(y1, c01);
            b = FloatVector.broadcast(F, w[w1 + k]);
            c10 = b.fma(y0, c10);
            c11 = b.fma(y1, c11);
            b = FloatVector.broadcast(F, w[w2 + k]);
            c20 = b.fma(y0, c20);
            c21 = b.fma(y1, c21);
            b = FloatVector.broadcast(F, w[w3 + k]);
            c30 = b.fma(y0, c30);
            c31 = b.fma(y1, c31);
            b = FloatVector.broadcast(F, w[w4 + k]);
            c40 = b.fma(y0, c40);
            c41 = b.fma(y1, c41);
            b = FloatVector.broadcast(F, w[w5 + k]);
            c50 = b.fma(y0, c50);
            c51 = b.fma(y1, c51);
            b = FloatVector.broadcast(F, w[w6 + k]);
            c60 = b.fma(y0, c60);
            c61 = b.fma(y1, c61);
            b = FloatVector.broadcast(F, w[w7 + k]);
            c70 = b.fma(y0, c70);
            c71 = b.fma(y1, c71);
        }
        c00.intoArray(acc, a);
        c01.intoArray(acc, a + l);
        c10.intoArray(acc, a + 2 * l);
        c11.intoArray(acc, a + 3 * l);
        c20.intoArray(acc, a + 4 * l);
        c21.intoArray(acc, a + 5 * l);
        c30.intoArray(acc, a + 6 * l);
        c31.intoArray(acc, a + 7 * l);
        c40.intoArray(acc, a + 8 * l);
        c41.intoArray(acc, a + 9 * l);
        c50.intoArray(acc, a + 10 * l);
        c51.intoArray(acc, a + 11 * l);
        c60.intoArray(acc, a + 12 * l);
        c61.intoArray(acc, a + 13 * l);
        c70.intoArray(acc, a + 14 * l);
        c71.intoArray(acc, a + 15 * l);
    }
}
