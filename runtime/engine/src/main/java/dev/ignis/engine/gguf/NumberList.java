package dev.ignis.engine.gguf;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.RandomAccess;

/**
 * An unmodifiable list of a GGUF numeric array's values, kept in a primitive array and boxed only when read
 * ({@link Long} for the integer types, {@link Double} for the floating-point ones, as for single values). As a
 * list of boxes, a vocabulary's {@code tokenizer.ggml.scores} (128,256 floats for Llama 3) costs ~4 MB of heap
 * for as long as the model is served; here it costs 0.5 MB.
 */
final class NumberList extends AbstractList<Object> implements RandomAccess {

    private final int[] ints;       // int8, uint8, int16, uint16, int32
    private final long[] longs;     // uint32, int64, uint64
    private final float[] floats;   // float32
    private final double[] doubles; // float64
    private final int size;

    private NumberList(int[] ints, long[] longs, float[] floats, double[] doubles, int size) {
        this.ints = ints;
        this.longs = longs;
        this.floats = floats;
        this.doubles = doubles;
        this.size = size;
    }

    /** Whether the GGUF value type is one that this list holds. */
    static boolean holds(long type) {
        return type >= 0 && type <= 6 || type >= 10 && type <= 12;
    }

    /**
     * Reads {@code n} values of {@code type} (one {@link #holds}). The array grows as values are really read,
     * so a count that lies cannot allocate ahead of the data.
     */
    static NumberList read(GgufInput in, long type, long n, String field) throws java.io.IOException {
        int capacity = (int) Math.min(n, 4096);
        int t = (int) type;
        int[] ints = t <= 3 || t == 5 ? new int[capacity] : null;
        long[] longs = t == 4 || t == 10 || t == 11 ? new long[capacity] : null;
        float[] floats = t == 6 ? new float[capacity] : null;
        double[] doubles = t == 12 ? new double[capacity] : null;
        for (int i = 0; i < n; i++) {
            if (i == capacity) {
                capacity = (int) Math.min(n, 2L * capacity);
                ints = ints == null ? null : Arrays.copyOf(ints, capacity);
                longs = longs == null ? null : Arrays.copyOf(longs, capacity);
                floats = floats == null ? null : Arrays.copyOf(floats, capacity);
                doubles = doubles == null ? null : Arrays.copyOf(doubles, capacity);
            }
            switch (t) {
                case 0 -> ints[i] = in.u8(field);
                case 1 -> ints[i] = (byte) in.u8(field);
                case 2 -> ints[i] = (int) in.u32Of16(field, false);
                case 3 -> ints[i] = (int) in.u32Of16(field, true);
                case 4 -> longs[i] = in.u32(field);
                case 5 -> ints[i] = (int) in.u32(field);
                case 6 -> floats[i] = Float.intBitsToFloat((int) in.u32(field));
                case 10, 11 -> longs[i] = in.u64(field);
                case 12 -> doubles[i] = Double.longBitsToDouble(in.u64(field));
                default -> throw new IllegalArgumentException("not a numeric GGUF type: " + type);
            }
        }
        return new NumberList(ints, longs, floats, doubles, (int) n);
    }

    @Override
    public Object get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " of a list of " + size);
        }
        if (ints != null) {
            return (long) ints[index];
        }
        if (longs != null) {
            return longs[index];
        }
        if (floats != null) {
            return (double) floats[index];
        }
        return doubles[index];
    }

    @Override
    public int size() {
        return size;
    }
}
