package dev.ignis.engine.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files: metadata, tensor infos, then the tensor data, aligned to 32 bytes. Used by
 * the synthetic-model generator; tensor bytes are produced by a callback so multi-GiB files stream out.
 */
public final class GgufWriter {

    private static final int ALIGNMENT = 32;

    /** Fills the bytes of one row (the innermost dimension) of a tensor; {@code out} holds exactly one row. */
    public interface TensorData {
        void row(long index, ByteBuffer out);
    }

    private record Tensor(String name, long[] shape, GgmlType type, TensorData data) {
    }

    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    /** Values: String, Integer (uint32), Long (uint64), Float, Boolean, or a List of String, Float or Integer. */
    public GgufWriter put(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter tensor(String name, long[] shape, GgmlType type, TensorData data) {
        tensors.add(new Tensor(name, shape.clone(), type, data));
        return this;
    }

    public void write(Path path) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            header = ensure(header, 24);
            header.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(tensors.size()).putLong(metadata.size());
            for (Map.Entry<String, Object> e : metadata.entrySet()) {
                header = string(header, e.getKey());
                header = value(header, e.getValue(), true);
            }
            long offset = 0;
            for (Tensor t : tensors) {
                header = string(header, t.name());
                header = ensure(header, 4 + 8 * t.shape().length + 12);
                header.putInt(t.shape().length);
                long elements = 1;
                for (long d : t.shape()) {
                    header.putLong(d);
                    elements *= d;
                }
                header.putInt(t.type().id()).putLong(offset);
                offset = align(offset + t.type().byteSize(elements));
            }
            int padding = (int) (align(header.position()) - header.position());
            header = ensure(header, padding);
            header.position(header.position() + padding);
            header.flip();
            while (header.hasRemaining()) {
                ch.write(header);
            }
            for (Tensor t : tensors) {
                long rows = 1;
                for (int d = 1; d < t.shape().length; d++) {
                    rows *= t.shape()[d];
                }
                int rowBytes = (int) t.type().byteSize(t.shape()[0]);
                int rowsPerChunk = Math.max(1, (32 << 20) / rowBytes);
                ByteBuffer chunk = ByteBuffer.allocate(rowBytes * rowsPerChunk).order(ByteOrder.LITTLE_ENDIAN);
                long written = 0;
                for (long r = 0; r < rows; ) {
                    chunk.clear();
                    int n = (int) Math.min(rowsPerChunk, rows - r);
                    for (int i = 0; i < n; i++, r++) {
                        t.data().row(r, chunk.slice(i * rowBytes, rowBytes).order(ByteOrder.LITTLE_ENDIAN));
                    }
                    chunk.position(0).limit(n * rowBytes);
                    while (chunk.hasRemaining()) {
                        written += ch.write(chunk);
                    }
                }
                int pad = (int) (align(written) - written);
                ByteBuffer zeros = ByteBuffer.allocate(pad);
                while (zeros.hasRemaining()) {
                    ch.write(zeros);
                }
            }
        }
    }

    private static long align(long v) {
        return (v + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static ByteBuffer ensure(ByteBuffer b, int more) {
        if (b.remaining() >= more) {
            return b;
        }
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + more + 1024))
                .order(ByteOrder.LITTLE_ENDIAN);
        b.flip();
        return bigger.put(b);
    }

    private static ByteBuffer string(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b = ensure(b, 8 + bytes.length);
        return b.putLong(bytes.length).put(bytes);
    }

    private static ByteBuffer value(ByteBuffer b, Object v, boolean withType) {
        b = ensure(b, 16);
        switch (v) {
            case String s -> {
                if (withType) {
                    b.putInt(8);
                }
                return string(b, s);
            }
            case Integer i -> {
                if (withType) {
                    b.putInt(4);
                }
                return b.putInt(i);
            }
            case Long l -> {
                if (withType) {
                    b.putInt(10);
                }
                return b.putLong(l);
            }
            case Float f -> {
                if (withType) {
                    b.putInt(6);
                }
                return b.putFloat(f);
            }
            case Boolean z -> {
                if (withType) {
                    b.putInt(7);
                }
                return b.put((byte) (z ? 1 : 0));
            }
            case List<?> list -> {
                int elementType = list.isEmpty() || list.getFirst() instanceof String ? 8
                        : list.getFirst() instanceof Float ? 6 : 5;
                b.putInt(9).putInt(elementType).putLong(list.size());
                for (Object o : list) {
                    b = ensure(b, 16);
                    b = o instanceof Integer i ? b.putInt(i) : value(b, o, false);
                }
                return b;
            }
            default -> throw new IllegalArgumentException("unsupported metadata value " + v.getClass().getSimpleName());
        }
    }
}
