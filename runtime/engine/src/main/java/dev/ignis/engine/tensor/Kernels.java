package dev.ignis.engine.tensor;

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
     * Adds the lanes in a fixed order. {@code reduceLanes(ADD)} leaves the order unspecified, and the
     * interpreted and compiled forms really differ in the last bit: a model must give the same logits
     * whichever thread and JIT tier computes a row.
     */
    static float sum(FloatVector v) {
        float s = 0;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
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
