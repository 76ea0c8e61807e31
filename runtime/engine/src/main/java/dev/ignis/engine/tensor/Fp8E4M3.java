package dev.ignis.engine.tensor;

/** FP8 E4M3 (OCP 8-bit floating point, "E4M3FN"): exact decoding and round-to-nearest encoding. */
public final class Fp8E4M3 {

    public static final float MAX = 448f;
    private static final float[] DECODE = new float[256];

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
    }

    private Fp8E4M3() {
    }

    public static float decode(int code) {
        return DECODE[code & 0xff];
    }

    /**
     * The nearest E4M3 value (ties to the even code); magnitudes above 448 saturate to 448. From the float's
     * bits: below 2^-6 (E4M3's subnormals, steps of 2^-9) the magnitude times 2^9 rounded half to even; above,
     * the 23-bit mantissa rounded half to even to 3 bits (a carry moves to the next exponent, as it should)
     * and the exponent rebiased from 127 to 7.
     */
    public static int encode(float v) {
        if (Float.isNaN(v)) {
            return 0x7F;
        }
        int sign = v < 0 ? 0x80 : 0;
        float a = Math.min(Math.abs(v), MAX);
        if (a < 0x1p-6f) {
            return sign | (int) Math.rint(a * 0x1p9f); // 8 is code 0x08, the smallest normal: 2^-6
        }
        int bits = Float.floatToRawIntBits(a);
        bits += 0x7FFFF + ((bits >>> 20) & 1);
        return sign | ((bits >>> 23) - 127 + 7) << 3 | (bits >>> 20) & 7;
    }
}
