package dev.ignis.engine.gguf;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The header of a GGUF file (versions 1–3): metadata and tensor descriptions, without the tensor data.
 *
 * <p>Layout, all little-endian: magic {@code "GGUF"}, {@code u32} version, tensor count and metadata count
 * ({@code u32} in version 1, {@code u64} after), the metadata (key string, {@code u32} value type, value),
 * the tensor infos (name string, {@code u32} dimension count, dimensions ({@code u32} in version 1,
 * {@code u64} after), {@code u32} type, {@code u64} offset), then padding to {@code general.alignment}
 * (default 32) where the data section starts. Strings are a length ({@code u32} in version 1, {@code u64}
 * after) and UTF-8 bytes.
 *
 * <p>Metadata values are {@link Long} for every integer type (a {@code uint64} above
 * {@link Long#MAX_VALUE} keeps its bits, so it reads negative), {@link Double} for floats, {@link Boolean},
 * {@link String}, and unmodifiable {@link List}s for arrays (numeric ones kept in a primitive array, boxed as
 * they are read).
 */
public final class GgufHeader {

    /** Default cap on the header bytes read from a stream: real headers are a few MiB (large vocabularies). */
    public static final long DEFAULT_MAX_HEADER_BYTES = 256L * 1024 * 1024;
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final int MAX_DIMS = 4;
    static final int MAX_ARRAY_DEPTH = 8;
    static final long MAX_STRING = 64L * 1024 * 1024;
    /** Real vocabularies and merge lists hold well under a million entries; this leaves a wide margin. */
    static final long MAX_ARRAY_ELEMENTS = 16L * 1024 * 1024;

    private final int version;
    private final Map<String, Object> metadata;
    private final List<GgufTensorInfo> tensors;
    private final long alignment;
    private final long tensorDataOffset;

    private GgufHeader(int version, Map<String, Object> metadata, List<GgufTensorInfo> tensors, long alignment,
                       long tensorDataOffset) {
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        this.alignment = alignment;
        this.tensorDataOffset = tensorDataOffset;
    }

    /** Reads a header from a stream, consuming exactly the header bytes (not the padding or data). */
    public static GgufHeader read(InputStream in) throws IOException {
        return read(in, DEFAULT_MAX_HEADER_BYTES);
    }

    public static GgufHeader read(InputStream in, long maxHeaderBytes) throws IOException {
        return parse(new GgufInput.Stream(in, maxHeaderBytes), maxHeaderBytes);
    }

    static GgufHeader parse(GgufInput in, long maxHeaderBytes) throws IOException {
        long magic = in.u32("magic");
        if (magic != (MAGIC & 0xffffffffL)) {
            throw new GgufFormatException("magic", 0, "not a GGUF file");
        }
        long version = in.u32("version");
        if (version == 0 || version > 3) {
            String hint = Long.reverseBytes(version) >>> 32 >= 1 && Long.reverseBytes(version) >>> 32 <= 3
                    ? " (a big-endian GGUF, which is not supported)" : "";
            throw new GgufFormatException("version", 4, "unsupported GGUF version " + version + hint);
        }
        boolean v1 = version == 1;
        long countLimit = in.remaining() >= 0 ? in.remaining() : maxHeaderBytes;
        long tensorCount = count(in, v1, "tensor_count", countLimit / 24);
        long kvCount = count(in, v1, "metadata_kv_count", countLimit / 13);

        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = in.position();
            String key = string(in, v1, "metadata key #" + i);
            if (metadata.containsKey(key)) {
                throw new GgufFormatException("metadata key '" + key + "'", at, "appears twice");
            }
            long type = in.u32("type of '" + key + "'");
            metadata.put(key, value(in, v1, key, type, 0, maxHeaderBytes));
        }

        long alignment = 32;
        Object declared = metadata.get("general.alignment");
        if (declared != null) {
            if (!(declared instanceof Long a) || a <= 0 || a > (1L << 30) || Long.bitCount(a) != 1) {
                throw new GgufFormatException("general.alignment", in.position(),
                        "must be a power of two, got " + declared);
            }
            alignment = (Long) declared;
        }

        List<GgufTensorInfo> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            tensors.add(tensorInfo(in, v1, i, alignment, names));
        }
        long end = in.position();
        long dataOffset = end + (alignment - end % alignment) % alignment;
        return new GgufHeader((int) version, metadata, tensors, alignment, dataOffset);
    }

    private static GgufTensorInfo tensorInfo(GgufInput in, boolean v1, long index, long alignment, Set<String> names)
            throws IOException {
        long at = in.position();
        String name = string(in, v1, "name of tensor #" + index);
        String field = "tensor '" + name + "'";
        if (!names.add(name)) {
            throw new GgufFormatException(field, at, "appears twice");
        }
        long dims = in.u32(field + " n_dims");
        if (dims < 1 || dims > MAX_DIMS) {
            throw new GgufFormatException(field + " n_dims", in.position() - 4, "must be 1 to " + MAX_DIMS + ", got " + dims);
        }
        long[] shape = new long[(int) dims];
        long elements = 1;
        for (int d = 0; d < dims; d++) {
            shape[d] = v1 ? in.u32(field + " dim " + d) : in.u64(field + " dim " + d);
            if (shape[d] < 0) {
                throw new GgufFormatException(field + " dim " + d, in.position() - 8, "negative dimension");
            }
            try {
                elements = Math.multiplyExact(elements, shape[d]);
            } catch (ArithmeticException e) {
                throw new GgufFormatException(field + " shape", in.position(), "element count overflows");
            }
        }
        long typeId = in.u32(field + " type");
        GgmlType type = GgmlType.byId(typeId).orElseThrow(() ->
                new GgufFormatException(field + " type", in.position() - 4, "unknown tensor type " + typeId));
        if (shape[0] % type.blockSize() != 0) {
            throw new GgufFormatException(field + " shape", in.position() - 4, "first dimension " + shape[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        long offset = in.u64(field + " offset");
        if (offset < 0 || offset % alignment != 0) {
            throw new GgufFormatException(field + " offset", in.position() - 8, "offset " + offset
                    + " is not aligned to " + alignment);
        }
        long bytes;
        try {
            bytes = type.byteSize(elements);
        } catch (ArithmeticException e) {
            throw new GgufFormatException(field + " shape", in.position() - 8, "byte size overflows");
        }
        if (offset > Long.MAX_VALUE - bytes) {
            throw new GgufFormatException(field + " offset", in.position() - 8, "data range overflows");
        }
        return new GgufTensorInfo(name, shape, type, offset);
    }

    private static long count(GgufInput in, boolean v1, String field, long limit) throws IOException {
        long at = in.position();
        long n = v1 ? in.u32(field) : in.u64(field);
        if (n < 0 || n > limit) {
            throw new GgufFormatException(field, at, "count " + Long.toUnsignedString(n)
                    + " cannot fit in the file");
        }
        return n;
    }

    private static String string(GgufInput in, boolean v1, String field) throws IOException {
        long at = in.position();
        long length = v1 ? in.u32(field + " length") : in.u64(field + " length");
        long available = in.remaining() >= 0 ? in.remaining() : MAX_STRING;
        if (length < 0 || length > MAX_STRING || length > available) {
            throw new GgufFormatException(field + " length", at, "string length " + Long.toUnsignedString(length)
                    + " exceeds what the file can hold");
        }
        return in.utf8(field, (int) length);
    }

    private static Object value(GgufInput in, boolean v1, String key, long type, int depth, long maxHeaderBytes)
            throws IOException {
        String field = "value of '" + key + "'";
        return switch ((int) Math.min(type, Integer.MAX_VALUE)) {
            case 0 -> (long) in.u8(field);                          // uint8
            case 1 -> (long) (byte) in.u8(field);                   // int8
            case 2 -> in.u32Of16(field, false);                     // uint16
            case 3 -> in.u32Of16(field, true);                      // int16
            case 4 -> in.u32(field);                                // uint32
            case 5 -> (long) (int) in.u32(field);                   // int32
            case 6 -> (double) Float.intBitsToFloat((int) in.u32(field));
            case 7 -> bool(in, field);
            case 8 -> string(in, v1, field);
            case 9 -> array(in, v1, key, depth, maxHeaderBytes);
            case 10, 11 -> in.u64(field);                           // uint64, int64
            case 12 -> Double.longBitsToDouble(in.u64(field));
            default -> throw new GgufFormatException("type of '" + key + "'", in.position() - 4,
                    "unknown metadata value type " + type);
        };
    }

    private static Boolean bool(GgufInput in, String field) throws IOException {
        int b = in.u8(field);
        if (b > 1) {
            throw new GgufFormatException(field, in.position() - 1, "boolean must be 0 or 1, got " + b);
        }
        return b == 1;
    }

    private static List<Object> array(GgufInput in, boolean v1, String key, int depth, long maxHeaderBytes)
            throws IOException {
        if (depth >= MAX_ARRAY_DEPTH) {
            throw new GgufFormatException("value of '" + key + "'", in.position(), "arrays nested deeper than "
                    + MAX_ARRAY_DEPTH);
        }
        long elementType = in.u32("array element type of '" + key + "'");
        long at = in.position();
        long n = v1 ? in.u32("array length of '" + key + "'") : in.u64("array length of '" + key + "'");
        long budget = in.remaining() >= 0 ? in.remaining() : maxHeaderBytes;
        // Every element takes at least one byte: a count above the bytes available is corrupt. The list
        // grows as elements are really read, so a lying count cannot allocate ahead of the data.
        if (n < 0 || n > budget || n > MAX_ARRAY_ELEMENTS) {
            throw new GgufFormatException("array length of '" + key + "'", at, "length "
                    + Long.toUnsignedString(n) + " exceeds what the file can hold");
        }
        if (NumberList.holds(elementType)) {
            return NumberList.read(in, elementType, n, "value of '" + key + "'");
        }
        List<Object> values = new ArrayList<>((int) Math.min(n, 4096));
        for (long i = 0; i < n; i++) {
            values.add(value(in, v1, key, elementType, depth + 1, maxHeaderBytes));
        }
        return Collections.unmodifiableList(values);
    }

    public int version() {
        return version;
    }

    /** All metadata in file order. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    public Optional<String> string(String key) {
        return metadata.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** An integer value of any width; empty when absent or not an integer. */
    public OptionalLong integer(String key) {
        return metadata.get(key) instanceof Long l ? OptionalLong.of(l) : OptionalLong.empty();
    }

    /** A number, integer or floating point. */
    public Optional<Double> number(String key) {
        Object v = metadata.get(key);
        if (v instanceof Long l) {
            return Optional.of(l.doubleValue());
        }
        return v instanceof Double d ? Optional.of(d) : Optional.empty();
    }

    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    public Optional<GgufTensorInfo> tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public long alignment() {
        return alignment;
    }

    /** Absolute offset of the data section in the file. */
    public long tensorDataOffset() {
        return tensorDataOffset;
    }

    public long parameterCount() {
        return tensors.stream().mapToLong(GgufTensorInfo::elementCount).sum();
    }

    public long tensorDataBytes() {
        return tensors.stream().mapToLong(GgufTensorInfo::byteSize).sum();
    }
}
