package dev.ignis.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Settings shared by the kernels. {@code ignis.engine.vectorize=false} turns the Vector API off, so every
 * kernel runs its scalar twin (for debugging and for CPUs where the Vector API is slow).
 */
public final class Kernels {

    public static final boolean VECTORIZE =
            Boolean.parseBoolean(System.getProperty("ignis.engine.vectorize", "true"));
    /**
     * The float vectors every kernel uses: the machine's preferred ones, unless {@code ignis.engine.vector-bits}
     * (128, 256 or 512) says otherwise; the tests use it to run the 256-bit (AVX2) kernels on an AVX-512
     * machine too. A width the CPU lacks still computes the same values, through the Vector API's slow
     * fallback.
     */
    static final VectorSpecies<Float> F = species(System.getProperty("ignis.engine.vector-bits"));

    private Kernels() {
    }

    /** The width of the vectors the kernels use, in bits ({@link #F}: see {@code ignis.engine.vector-bits}). */
    public static int vectorBits() {
        return F.vectorBitSize();
    }

    static VectorSpecies<Float> species(String bits) {
        if (bits == null || bits.isBlank()) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return switch (bits.strip()) {
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("ignis.engine.vector-bits must be 128, 256 or 512, got '"
                    + bits + "'");
        };
    }

    /** Dot product of two float arrays' first {@code n} values. */
    public static float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        if (!VECTORIZE) {
            return dotScalar(a, aOffset, b, bOffset, n);
        }
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOffset + i).fma(FloatVector.fromArray(F, b, bOffset + i), acc);
        }
        float sum = sum(acc);
        for (; i < n; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    /**
     * {@link #dot} with {@code b} in native memory: float {@code bIndex} of {@code b} onwards (native byte
     * order), the same operations in the same order, so the result is bit-identical to copying the values
     * into an array first. The KV caches' keys live there.
     */
    public static float dot(float[] a, int aOffset, MemorySegment b, long bIndex, int n) {
        long at = bIndex * Float.BYTES;
        if (!VECTORIZE) {
            float sum = 0;
            for (int i = 0; i < n; i++) {
                sum += a[aOffset + i] * b.getAtIndex(ValueLayout.JAVA_FLOAT, bIndex + i);
            }
            return sum;
        }
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOffset + i)
                    .fma(FloatVector.fromMemorySegment(F, b, at + (long) i * Float.BYTES, ByteOrder.nativeOrder()), acc);
        }
        float sum = sum(acc);
        for (; i < n; i++) {
            sum += a[aOffset + i] * b.getAtIndex(ValueLayout.JAVA_FLOAT, bIndex + i);
        }
        return sum;
    }

    /**
     * {@code out[outOffset + i] += a * v[vIndex + i]} for {@code i < n}, {@code v} in native memory: a
     * multiply then an add, each rounded, as the scalar loop does (whether vectorized or not, the same bits).
     * The weighted sum of the KV caches' values in attention.
     */
    public static void addScaled(float[] out, int outOffset, float a, MemorySegment v, long vIndex, int n) {
        int i = 0;
        if (VECTORIZE) {
            long at = vIndex * Float.BYTES;
            int upper = F.loopBound(n);
            for (; i < upper; i += F.length()) {
                FloatVector.fromArray(F, out, outOffset + i)
                        .add(FloatVector.fromMemorySegment(F, v, at + (long) i * Float.BYTES, ByteOrder.nativeOrder()).mul(a))
                        .intoArray(out, outOffset + i);
            }
        }
        for (; i < n; i++) {
            out[outOffset + i] += a * v.getAtIndex(ValueLayout.JAVA_FLOAT, vIndex + i);
        }
    }

    /**
     * {@link #dot} of two rows {@code w0}, {@code w1} with the vectors {@code x[s .. s + 4)}, into
     * {@code out[s + j][row]} and {@code out[s + j][row + 1]}: every pair gets exactly {@link #dot}'s
     * operations in its order (bit-identical results), but each weight vector loaded feeds four FMAs and
     * each x vector two, and eight independent chains hide the FMA latency. The register-blocked tile of the
     * matrix-matrix product for every type whose rows are dequantized to floats first.
     */
    static void dot2x4(float[] w0, float[] w1, int n, float[][] x, int s, float[][] out, int row) {
        float[] x0 = x[s];
        float[] x1 = x[s + 1];
        float[] x2 = x[s + 2];
        float[] x3 = x[s + 3];
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c03 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        FloatVector c13 = c00;
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += F.length()) {
            FloatVector a = FloatVector.fromArray(F, w0, i);
            FloatVector b = FloatVector.fromArray(F, w1, i);
            FloatVector y = FloatVector.fromArray(F, x0, i);
            c00 = a.fma(y, c00);
            c10 = b.fma(y, c10);
            y = FloatVector.fromArray(F, x1, i);
            c01 = a.fma(y, c01);
            c11 = b.fma(y, c11);
            y = FloatVector.fromArray(F, x2, i);
            c02 = a.fma(y, c02);
            c12 = b.fma(y, c12);
            y = FloatVector.fromArray(F, x3, i);
            c03 = a.fma(y, c03);
            c13 = b.fma(y, c13);
        }
        out[s][row] = tail(sum(c00), w0, x0, upper, n);
        out[s + 1][row] = tail(sum(c01), w0, x1, upper, n);
        out[s + 2][row] = tail(sum(c02), w0, x2, upper, n);
        out[s + 3][row] = tail(sum(c03), w0, x3, upper, n);
        out[s][row + 1] = tail(sum(c10), w1, x0, upper, n);
        out[s + 1][row + 1] = tail(sum(c11), w1, x1, upper, n);
        out[s + 2][row + 1] = tail(sum(c12), w1, x2, upper, n);
        out[s + 3][row + 1] = tail(sum(c13), w1, x3, upper, n);
    }

    /**
     * From this many vectors on (a prompt chunk, a large batch), {@link #dotDequantizedRows} runs the blocked
     * product {@link #dotBlocked}; below it, pairs of rows against tiles of four. Measured on one thread with
     * Llama-3.2-1B's three matrix shapes at Q4_0: 0.86x at 8 vectors, 1.0x at 16, 1.1x at 32, 1.27x at 64.
     */
    static final int BLOCKED_MIN_VECTORS = 32;
    /** Rows dequantized at a time by {@link #dotBlocked}: two tiles of four. */
    private static final int GROUP_ROWS = 8;
    /** Columns per chunk in {@link #dotBlocked}: a group's chunk is 16 KB of floats and a tile's x 8 KB. */
    private static final int CHUNK = 512;
    /** Vectors per pass of {@link #dotBlocked}, which bounds its accumulators to 32 KB. */
    private static final int VECTOR_BLOCK = 64;
    private static final ThreadLocal<float[]> GROUP = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> ACCUMULATORS = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * {@link Matrix#dotRows} as a blocked matrix product on dequantized rows, every pair bit-identical to
     * {@link #dot}: groups of {@link #GROUP_ROWS} rows are dequantized once (through {@code row}, a buffer of
     * {@code cols} floats) for all {@code n} vectors; then, a block of up to {@link #VECTOR_BLOCK} vectors at
     * a time, the columns go in chunks of {@link #CHUNK}, and within a chunk every tile of four vectors meets
     * every four rows of the group ({@link #dot4x4}), so that what a tile reuses (the group's chunk, 16 KB,
     * and the tile's chunk of x, 8 KB) is in L1 while it is reused; the sixteen accumulators of each tile are
     * kept in an array between chunks, which changes no bit. Then each accumulator's lanes are added in
     * {@link #sum}'s order and the scalar tail after them, as {@link #dot} does. Rows and vectors left over
     * by the quads and tiles go through {@link #dot}.
     */
    static void dotBlocked(Matrix m, int from, int to, float[][] x, float[][] out, int n) {
        int cols = m.cols();
        int l = F.length();
        int upper = F.loopBound(cols);
        float[] group = GROUP.get();
        if (group.length < GROUP_ROWS * cols) {
            group = new float[GROUP_ROWS * cols];
            GROUP.set(group);
        }
        int accSize = GROUP_ROWS / 4 * (VECTOR_BLOCK / 4) * 16 * l;
        float[] acc = ACCUMULATORS.get();
        if (acc.length < accSize) {
            acc = new float[accSize];
            ACCUMULATORS.set(acc);
        }
        int tiled = n - n % 4;
        for (int g = from; g < to; g += GROUP_ROWS) {
            int count = Math.min(GROUP_ROWS, to - g);
            for (int i = 0; i < count; i++) {
                m.row(g + i, group, i * cols);
            }
            int quads = count / 4;
            for (int s0 = 0; s0 < tiled; s0 += VECTOR_BLOCK) {
                int tiles = Math.min(VECTOR_BLOCK, tiled - s0) / 4;
                java.util.Arrays.fill(acc, 0, quads * tiles * 16 * l, 0f);
                for (int c = 0; c < upper; c += CHUNK) {
                    int end = Math.min(upper, c + CHUNK);
                    for (int t = 0; t < tiles; t++) {
                        for (int p = 0; p < quads; p++) {
                            dot4x4(group, 4 * p * cols, cols, x, s0 + 4 * t, c, end, acc, (p * tiles + t) * 16 * l);
                        }
                    }
                }
                for (int p = 0; p < quads; p++) {
                    for (int t = 0; t < tiles; t++) {
                        int a = (p * tiles + t) * 16 * l;
                        for (int j = 0; j < 16; j++) {
                            int s = s0 + 4 * t + j % 4;
                            int r = 4 * p + j / 4;
                            float sum = 0;
                            for (int i = 0; i < l; i++) {
                                sum += acc[a + j * l + i];
                            }
                            for (int i = upper; i < cols; i++) {
                                sum += group[r * cols + i] * x[s][i];
                            }
                            out[s][g + r] = sum;
                        }
                    }
                }
            }
            for (int s = tiled; s < n; s++) {
                for (int r = 0; r < 4 * quads; r++) {
                    out[s][g + r] = dot(group, r * cols, x[s], 0, cols);
                }
            }
            for (int r = 4 * quads; r < count; r++) {
                for (int s = 0; s < n; s++) {
                    out[s][g + r] = dot(group, r * cols, x[s], 0, cols);
                }
            }
        }
    }

    /**
     * Columns {@code [from, to)} (whole vectors) of the four rows at {@code w[w0 + j * stride ..]} with the
     * vectors {@code x[s .. s + 4)}, added to the sixteen accumulators kept at {@code acc[a .. a + 16 * lanes)}
     * (row j's four, one per vector, at {@code a + 4 * j * lanes}): for each (row, vector) pair {@link #dot}'s
     * FMAs in its order. Each weight vector loaded feeds four FMAs and each x vector four; sixteen independent
     * chains keep both FMA units fed (with eight, as in {@link #dot2x4}, short rows ran at about half the rate
     * in L1).
     */
    static void dot4x4(float[] w, int w0, int stride, float[][] x, int s, int from, int to, float[] acc, int a) {
        int l = F.length();
        float[] x0 = x[s];
        float[] x1 = x[s + 1];
        float[] x2 = x[s + 2];
        float[] x3 = x[s + 3];
        int w1 = w0 + stride;
        int w2 = w1 + stride;
        int w3 = w2 + stride;
        FloatVector c00 = FloatVector.fromArray(F, acc, a);
        FloatVector c01 = FloatVector.fromArray(F, acc, a + l);
        FloatVector c02 = FloatVector.fromArray(F, acc, a + 2 * l);
        FloatVector c03 = FloatVector.fromArray(F, acc, a + 3 * l);
        FloatVector c10 = FloatVector.fromArray(F, acc, a + 4 * l);
        FloatVector c11 = FloatVector.fromArray(F, acc, a + 5 * l);
        FloatVector c12 = FloatVector.fromArray(F, acc, a + 6 * l);
        FloatVector c13 = FloatVector.fromArray(F, acc, a + 7 * l);
        FloatVector c20 = FloatVector.fromArray(F, acc, a + 8 * l);
        FloatVector c21 = FloatVector.fromArray(F, acc, a + 9 * l);
        FloatVector c22 = FloatVector.fromArray(F, acc, a + 10 * l);
        FloatVector c23 = FloatVector.fromArray(F, acc, a + 11 * l);
        FloatVector c30 = FloatVector.fromArray(F, acc, a + 12 * l);
        FloatVector c31 = FloatVector.fromArray(F, acc, a + 13 * l);
        FloatVector c32 = FloatVector.fromArray(F, acc, a + 14 * l);
        FloatVector c33 = FloatVector.fromArray(F, acc, a + 15 * l);
        for (int i = from; i < to; i += l) {
            FloatVector p = FloatVector.fromArray(F, w, w0 + i);
            FloatVector q = FloatVector.fromArray(F, w, w1 + i);
            FloatVector r = FloatVector.fromArray(F, w, w2 + i);
            FloatVector t = FloatVector.fromArray(F, w, w3 + i);
            FloatVector y = FloatVector.fromArray(F, x0, i);
            c00 = p.fma(y, c00);
            c10 = q.fma(y, c10);
            c20 = r.fma(y, c20);
            c30 = t.fma(y, c30);
            y = FloatVector.fromArray(F, x1, i);
            c01 = p.fma(y, c01);
            c11 = q.fma(y, c11);
            c21 = r.fma(y, c21);
            c31 = t.fma(y, c31);
            y = FloatVector.fromArray(F, x2, i);
            c02 = p.fma(y, c02);
            c12 = q.fma(y, c12);
            c22 = r.fma(y, c22);
            c32 = t.fma(y, c32);
            y = FloatVector.fromArray(F, x3, i);
            c03 = p.fma(y, c03);
            c13 = q.fma(y, c13);
            c23 = r.fma(y, c23);
            c33 = t.fma(y, c33);
        }
        c00.intoArray(acc, a);
        c01.intoArray(acc, a + l);
        c02.intoArray(acc, a + 2 * l);
        c03.intoArray(acc, a + 3 * l);
        c10.intoArray(acc, a + 4 * l);
        c11.intoArray(acc, a + 5 * l);
        c12.intoArray(acc, a + 6 * l);
        c13.intoArray(acc, a + 7 * l);
        c20.intoArray(acc, a + 8 * l);
        c21.intoArray(acc, a + 9 * l);
        c22.intoArray(acc, a + 10 * l);
        c23.intoArray(acc, a + 11 * l);
        c30.intoArray(acc, a + 12 * l);
        c31.intoArray(acc, a + 13 * l);
        c32.intoArray(acc, a + 14 * l);
        c33.intoArray(acc, a + 15 * l);
    }

    /** {@link #dot}'s scalar loop over the values past the last whole vector, added to the lane sum {@code sum}. */
    private static float tail(float sum, float[] a, float[] b, int from, int n) {
        for (int i = from; i < n; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /**
     * {@link Matrix#dotRows} for matrices whose rows are dequantized into floats ({@code Matrix.row}) and
     * then multiplied with {@link #dot}: each row is dequantized once for all {@code n} vectors, in pairs of
     * rows against tiles of four vectors ({@link #dot2x4}); leftovers go pair by pair. {@code w0} and
     * {@code w1} are the caller's buffers of at least {@code cols} floats.
     */
    static void dotDequantizedRows(Matrix m, int from, int to, float[][] x, float[][] out, int n, float[] w0, float[] w1) {
        if (VECTORIZE && n >= BLOCKED_MIN_VECTORS) {
            dotBlocked(m, from, to, x, out, n);
            return;
        }
        int cols = m.cols();
        int r = from;
        if (VECTORIZE && n >= 4) {
            for (; r + 1 < to; r += 2) {
                m.row(r, w0);
                m.row(r + 1, w1);
                int s = 0;
                for (; s + 4 <= n; s += 4) {
                    dot2x4(w0, w1, cols, x, s, out, r);
                }
                for (; s < n; s++) {
                    out[s][r] = dot(w0, 0, x[s], 0, cols);
                    out[s][r + 1] = dot(w1, 0, x[s], 0, cols);
                }
            }
        }
        for (; r < to; r++) {
            m.row(r, w0);
            for (int s = 0; s < n; s++) {
                out[s][r] = dot(w0, 0, x[s], 0, cols);
            }
        }
    }

    /**
     * Adds the lanes in a fixed order. {@code reduceLanes(ADD)} leaves the order unspecified, and the
     * interpreted and compiled forms really differ in the last bit: a model must give the same logits
     * whichever thread and JIT tier computes a row.
     */
    static float sum(FloatVector v) {
        // Through an array: v.lane(i) with a variable i compiles to a jump table per lane, which cost about
        // a fifth of a 2048-wide Q8_0 tile; one store and sixteen scalar loads add the same values in the
        // same order.
        float[] lanes = new float[v.length()];
        v.intoArray(lanes, 0);
        float s = 0;
        for (float lane : lanes) {
            s += lane;
        }
        return s;
    }

    public static float dotScalar(float[] a, int aOffset, float[] b, int bOffset, int n) {
        float sum = 0;
        for (int i = 0; i < n; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }
}
