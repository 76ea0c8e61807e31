package dev.ignis.operator.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The SPDY/3.1 framing that kubectl's port-forward speaks (the SPDY/3 draft, section 2; 3.1 only adds flow
 * control, which neither kubectl nor the kubelet enforces), enough for the server side of one connection.
 *
 * <p>Every frame has an 8-byte header. A control frame: bit 1, a 15-bit version (3), a 16-bit type, 8 bits of
 * flags, a 24-bit length. A data frame: bit 0, a 31-bit stream id, 8 bits of flags, a 24-bit length. Then the
 * payload. SYN_STREAM's payload is the stream id, the associated stream id (4 bytes each), 3 bits of priority
 * and 5 unused, a credential slot (1 byte), then a header block; SYN_REPLY's is the stream id and a header
 * block. A header block is a 32-bit pair count, then each name and value with a 32-bit length before it
 * (several values of one name joined by a NUL), compressed with zlib: one stream per direction for the whole
 * connection, flushed (SYNC_FLUSH) at the end of each frame, primed with {@link #DICTIONARY}.
 */
final class Spdy {

    static final int SYN_STREAM = 1;
    static final int SYN_REPLY = 2;
    static final int RST_STREAM = 3;
    static final int PING = 6;
    static final int GOAWAY = 7;
    /** FLAG_FIN on a data frame or a SYN_STREAM: the sender sends nothing more on the stream. */
    static final int FLAG_FIN = 0x01;
    private static final int VERSION = 3;

    /**
     * The zlib dictionary of SPDY/3 header blocks (the draft's section 2.6.10.1): HTTP header names and
     * common values, each word after its 32-bit length, then a run of status codes, phrases, dates and media
     * types without lengths. 1423 bytes, Adler-32 0xe3c6a7c2 (checked by SpdyTest); a zlib stream primed with
     * anything else is refused by the other side.
     */
    static final byte[] DICTIONARY = dictionary();

    private static byte[] dictionary() {
        List<String> words = List.of("options", "head", "post", "put", "delete", "trace", "accept", "accept-charset",
                "accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization",
                "cache-control", "connection", "content-base", "content-encoding", "content-language",
                "content-length", "content-location", "content-md5", "content-range", "content-type", "date", "etag",
                "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range",
                "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate",
                "proxy-authorization", "range", "referer", "retry-after", "server", "te", "trailer",
                "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning", "www-authenticate", "method",
                "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive",
                "origin");
        String tail = "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
                + "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
                + "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
                + "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
                + "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
                + "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String word : words) {
            byte[] bytes = word.getBytes(StandardCharsets.US_ASCII);
            out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
            out.writeBytes(bytes);
        }
        out.writeBytes(tail.getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private Spdy() {
    }

    /** One frame: a control frame of a {@code type}, or a data frame (type 0) of a stream. */
    record Frame(int type, int flags, int streamId, byte[] payload) {

        boolean control() {
            return type != 0;
        }

        boolean fin() {
            return (flags & FLAG_FIN) != 0;
        }

        /** The first 31-bit word of a control frame's payload: the stream id of most of them. */
        int payloadStreamId() {
            return ByteBuffer.wrap(payload).getInt() & 0x7fffffff;
        }
    }

    /** Cuts frames out of bytes that arrive in pieces of any size (a WebSocket message holds any part). */
    static final class FrameReader {
        private byte[] buffer = new byte[8192];
        private int length;

        void append(byte[] bytes) {
            if (length + bytes.length > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + bytes.length));
            }
            System.arraycopy(bytes, 0, buffer, length, bytes.length);
            length += bytes.length;
        }

        /** The next complete frame, or null until more bytes come. */
        Frame next() {
            if (length < 8) {
                return null;
            }
            ByteBuffer header = ByteBuffer.wrap(buffer, 0, 8);
            int first = header.getInt();
            int flagsAndLength = header.getInt();
            int payloadLength = flagsAndLength & 0xffffff;
            if (length < 8 + payloadLength) {
                return null;
            }
            byte[] payload = Arrays.copyOfRange(buffer, 8, 8 + payloadLength);
            System.arraycopy(buffer, 8 + payloadLength, buffer, 0, length - 8 - payloadLength);
            length -= 8 + payloadLength;
            int flags = flagsAndLength >>> 24;
            if (first < 0) { // the control bit
                int version = (first >>> 16) & 0x7fff;
                if (version != VERSION) {
                    throw new IllegalArgumentException("SPDY version " + version + ", not 3");
                }
                return new Frame(first & 0xffff, flags, 0, payload);
            }
            return new Frame(0, flags, first, payload);
        }
    }

    /** The header blocks of one direction: a zlib stream for the connection's whole life. */
    static final class HeaderDecoder {
        private final Inflater inflater = new Inflater();

        /** The header block of a SYN_STREAM (from byte 10 of its payload) as lower-case name → value. */
        Map<String, String> decode(byte[] payload, int offset) {
            inflater.setInput(payload, offset, payload.length - offset);
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            try {
                while (true) {
                    int n = inflater.inflate(chunk);
                    if (n == 0 && inflater.needsDictionary()) {
                        inflater.setDictionary(DICTIONARY);
                        continue;
                    }
                    if (n == 0) {
                        break; // all the input is read (each block ends with a flush)
                    }
                    plain.write(chunk, 0, n);
                }
            } catch (DataFormatException e) {
                throw new IllegalArgumentException("a SPDY header block that zlib cannot read", e);
            }
            ByteBuffer block = ByteBuffer.wrap(plain.toByteArray());
            Map<String, String> headers = new LinkedHashMap<>();
            int pairs = block.getInt();
            for (int i = 0; i < pairs; i++) {
                String name = string(block);
                headers.put(name.toLowerCase(Locale.ROOT), string(block));
            }
            return headers;
        }

        private static String string(ByteBuffer block) {
            byte[] bytes = new byte[block.getInt()];
            block.get(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** The header blocks this side sends: a zlib stream for the connection's whole life. */
    static final class HeaderEncoder {
        private final Deflater deflater = new Deflater();

        HeaderEncoder() {
            deflater.setDictionary(DICTIONARY);
        }

        byte[] encode(Map<String, String> headers) {
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            plain.writeBytes(ByteBuffer.allocate(4).putInt(headers.size()).array());
            headers.forEach((name, value) -> {
                for (String s : List.of(name.toLowerCase(Locale.ROOT), value)) {
                    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
                    plain.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
                    plain.writeBytes(bytes);
                }
            });
            deflater.setInput(plain.toByteArray());
            ByteArrayOutputStream compressed = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            int n;
            do {
                n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
                compressed.write(chunk, 0, n);
            } while (n == chunk.length);
            return compressed.toByteArray();
        }
    }

    static byte[] control(int type, int flags, byte[]... parts) {
        int length = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        ByteBuffer frame = ByteBuffer.allocate(8 + length).putShort((short) (0x8000 | VERSION)).putShort((short) type)
                .putInt(flags << 24 | length);
        for (byte[] part : parts) {
            frame.put(part);
        }
        return frame.array();
    }

    static byte[] data(int streamId, int flags, byte[] bytes, int offset, int length) {
        return ByteBuffer.allocate(8 + length).putInt(streamId).putInt(flags << 24 | length)
                .put(bytes, offset, length).array();
    }

    static byte[] int32(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }
}
