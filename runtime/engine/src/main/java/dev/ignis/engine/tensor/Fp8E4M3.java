package dev.ignis.engine.tensor;

import java.util.Arrays;

/** FP8 E4M3 (OCP 8-bit floating point, "E4M3FN"): exact decoding and round-to-nearest encoding. */
public final class Fp8E4M3 {

    public static final float MAX = 448f;
    private static final float[] DECODE = new float[256];
    private static final float[] POSITIVE = new float[127]; // codes 0..126 in increasing value
    private static final int[] POSITIVE_CODES = new int[127];

    static {
        for (int code = 0; code < 256; code++) {
            int sign = code >> 7;
            int exponent = (code >> 3) & 0x0F;
            int mantissa = code & 0x07;
            float v;
            if (exponent == 0x0F && mantissa == 0x07) {
                v = Float.NaN;
            } else if (exponent == 0) {
                v = mantissa * 0x1p-9f; // subnormal: m/8 * 2^-6
            } else {
                v = (1 + mantissa / 8f) * (float) Math.scalb(1.0, exponent - 7);
            }
            DECODE[code] = sign == 1 ? -v : v;
        }
        for (int code = 0; code < 127; code++) {
            POSITIVE[code] = DECODE[code];
            POSITIVE_CODES[code] = code;
        }
    }

    private Fp8E4M3() {
    }

    public static float decode(int code) {
        return DECODE[code & 0xff];
    }

    /** The nearest E4M3 value (ties to the even code); magnitudes above 448 saturate to 448. */
    public static int encode(float v) {
        if (Float.isNaN(v)) {
            return 0x7F;
        }
        int sign = v < 0 ? 0x80 : 0;
        float a = Math.min(Math.abs(v), MAX);
        int i = Arrays.binarySearch(POSITIVE, a);
        int code;
        if (i >= 0) {
            code = POSITIVE_CODES[i];
        } else {
            int hi = -i - 1;
            int lo = hi - 1;
            float dlo = a - POSITIVE[lo];
            float dhi = POSITIVE[hi] - a;
            code = dlo < dhi || dlo == dhi && (POSITIVE_CODES[lo] & 1) == 0 ? POSITIVE_CODES[lo] : POSITIVE_CODES[hi];
        }
        return sign | code;
    }
}
