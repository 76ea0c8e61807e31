package dev.ignis.engine.gguf;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Little-endian reads for the GGUF parser, from a stream or a mapped segment. {@link #remaining()} is
 * exact for a segment and -1 for a stream, whose reads are bounded by a byte budget instead: either way a
 * length field cannot make the parser allocate more than the input can hold.
 */
abstract sealed class GgufInput permits GgufInput.Stream, GgufInput.Segment {

    abstract long position();

    /** Bytes left, or -1 when unknown (a stream). */
    abstract long remaining();

    abstract int u8(String field) throws IOException;

    abstract byte[] bytes(String field, int n) throws IOException;

    long u32(String field) throws IOException {
        byte[] b = bytes(field, 4);
        return (b[0] & 0xffL) | (b[1] & 0xffL) << 8 | (b[2] & 0xffL) << 16 | (b[3] & 0xffL) << 24;
    }

    long u64(String field) throws IOException {
        byte[] b = bytes(field, 8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[i] & 0xffL);
        }
        return v;
    }

    /** A 16-bit value, as a long. */
    long u32Of16(String field, boolean signed) throws IOException {
        byte[] b = bytes(field, 2);
        int v = (b[0] & 0xff) | (b[1] & 0xff) << 8;
        return signed ? (short) v : v;
    }

    String utf8(String field, int n) throws IOException {
        return new String(bytes(field, n), StandardCharsets.UTF_8);
    }

    /** Reads from a stream, never past {@code budget} bytes in all. */
    static final class Stream extends GgufInput {
        private final InputStream in;
        private final long budget;
        private final byte[] buffer = new byte[64 * 1024];
        private int start;
        private int end;
        private long consumed;

        Stream(InputStream in, long budget) {
            this.in = in;
            this.budget = budget;
        }

        @Override
        long position() {
            return consumed;
        }

        @Override
        long remaining() {
            return -1;
        }

        @Override
        int u8(String field) throws IOException {
            return bytes(field, 1)[0] & 0xff;
        }

        @Override
        byte[] bytes(String field, int n) throws IOException {
            if (consumed + n > budget) {
                throw new GgufFormatException(field, consumed, "the header would exceed " + budget
                        + " bytes; the file is corrupt or hostile");
            }
            byte[] out = new byte[n];
            int copied = 0;
            while (copied < n) {
                if (start == end) {
                    int read = in.read(buffer, 0, buffer.length);
                    if (read < 0) {
                        throw new GgufFormatException(field, consumed + copied, "unexpected end of file",
                                new EOFException());
                    }
                    start = 0;
                    end = read;
                }
                int take = Math.min(n - copied, end - start);
                System.arraycopy(buffer, start, out, copied, take);
                start += take;
                copied += take;
            }
            consumed += n;
            return out;
        }
    }

    /** Reads from a memory-mapped file. */
    static final class Segment extends GgufInput {
        private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
        private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong LONG =
                ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        private final MemorySegment segment;
        private long position;

        Segment(MemorySegment segment) {
            this.segment = segment;
        }

        @Override
        long position() {
            return position;
        }

        @Override
        long remaining() {
            return segment.byteSize() - position;
        }

        private void need(String field, long n) {
            if (n > remaining()) {
                throw new GgufFormatException(field, position, "unexpected end of file (needs " + n
                        + " bytes, " + remaining() + " left)");
            }
        }

        @Override
        int u8(String field) {
            need(field, 1);
            return segment.get(BYTE, position++) & 0xff;
        }

        @Override
        long u32(String field) {
            need(field, 4);
            long v = segment.get(INT, position) & 0xffffffffL;
            position += 4;
            return v;
        }

        @Override
        long u64(String field) {
            need(field, 8);
            long v = segment.get(LONG, position);
            position += 8;
            return v;
        }

        @Override
        byte[] bytes(String field, int n) {
            need(field, n);
            byte[] out = new byte[n];
            MemorySegment.copy(segment, BYTE, position, out, 0, n);
            position += n;
            return out;
        }
    }
}
