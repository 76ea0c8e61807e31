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
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private Kernels() {
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
