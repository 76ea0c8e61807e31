package dev.ignis.engine.sampling;

import java.util.Arrays;

/**
 * The tokens of a logit vector ranked best first (logit descending as {@link Float#compare} orders it, ties by
 * id), sorted only as far as they are asked for. Sampling reads the best few hundred tokens of a vocabulary of
 * 150,000: sorting all of it (boxed ids and a comparator, 27–58 ms per token for 128k ids on this machine) cost
 * more than a decode step. Here each id and its logit are packed into one {@code long} whose natural order is
 * the ranking, the best {@code k} are selected in linear time and only those sorted; asking past them selects
 * and sorts a prefix twice as long. Tokens at -Infinity (banned) are not ranked unless every token is.
 */
final class RankedTokens {

    private final long[] keys;  // every ranked token's key; [0, sorted) in order, the rest unordered
    private final int size;
    private int sorted;

    RankedTokens(float[] logits) {
        int finite = 0;
        for (float v : logits) {
            if (v != Float.NEGATIVE_INFINITY) {
                finite++;
            }
        }
        boolean all = finite == 0;
        keys = new long[all ? logits.length : finite];
        int k = 0;
        for (int id = 0; id < logits.length; id++) {
            if (all || logits[id] != Float.NEGATIVE_INFINITY) {
                keys[k++] = key(logits[id], id);
            }
        }
        size = all ? Math.min(1, logits.length) : finite;
    }

    /** Ascending keys rank by logit descending, then by id ascending. */
    static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // ints ordered as Float.compare orders floats
        return ((long) ~ordered << 32) | id;
    }

    /** How many tokens are ranked: the finite ones, or 1 when every logit is -Infinity. */
    int size() {
        return size;
    }

    /** The id at rank {@code i} (0 = best), {@code i < size()}. */
    int id(int i) {
        if (i >= sorted) {
            sortPrefix(Math.max(i + 1, Math.max(64, sorted * 2)));
        }
        return (int) keys[i];
    }

    /** Whether the first {@code n} ranks are already in order (reading them costs nothing more). */
    boolean isSorted(int n) {
        return n <= sorted;
    }

    private void sortPrefix(int n) {
        n = Math.min(n, keys.length);
        if (n >= keys.length / 4) {
            Arrays.sort(keys, sorted, keys.length);
            sorted = keys.length;
            return;
        }
        select(keys, sorted, keys.length - 1, n - 1);
        Arrays.sort(keys, sorted, n);
        sorted = n;
    }

    /** Rearranges {@code a[lo..hi]} so that {@code a[k]} is the value it would have sorted, smaller ones before it. */
    private static void select(long[] a, int lo, int hi, int k) {
        long seed = 0x9E3779B97F4A7C15L ^ a.length;
        while (hi > lo) {
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            long pivot = a[lo + (int) Long.remainderUnsigned(seed >>> 1, hi - lo + 1)];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }
}
