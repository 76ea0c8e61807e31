package dev.ignis.engine.gguf;

import java.util.Optional;

/**
 * Every ggml tensor type as GGUF numbers it, with its block geometry: {@code blockSize} elements are
 * stored in {@code typeSize} bytes. This is enough to size and locate any tensor, including types the
 * engine cannot compute with. Ids 4, 5 and 31–33, 36–38 were removed from ggml and are not valid.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),      // f16 scale + 16 bytes of 4-bit values
    Q4_1(3, 32, 20),      // f16 scale, f16 min + 16 bytes
    Q5_0(6, 32, 22),      // f16 scale + 4 bytes of high bits + 16 bytes
    Q5_1(7, 32, 24),      // f16 scale, f16 min + 4 + 16 bytes
    Q8_0(8, 32, 34),      // f16 scale + 32 int8
    Q8_1(9, 32, 36),      // f16 scale, f16 sum + 32 int8
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),   // f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of 4-bit values
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),   // 128 bytes low 4 bits, 64 bytes high 2 bits, 16 int8 scales, f16 d
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    public int id() {
        return id;
    }

    /** Elements per block. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    public static Optional<GgmlType> byId(long id) {
        return id >= 0 && id < BY_ID.length ? Optional.ofNullable(BY_ID[(int) id]) : Optional.empty();
    }

    /** Bytes taken by {@code elements} values; the count must be a whole number of blocks. */
    public long byteSize(long elements) {
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }
}
