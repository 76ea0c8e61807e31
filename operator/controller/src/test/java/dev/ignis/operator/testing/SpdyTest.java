package dev.ignis.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Adler32;
import org.junit.jupiter.api.Test;

class SpdyTest {

    @Test
    void theHeaderDictionaryIsTheOneOfTheSpdy3Draft() {
        Adler32 checksum = new Adler32();
        checksum.update(Spdy.DICTIONARY);
        // The length and the checksum that a zlib stream primed with it announces (FDICT) to the other side.
        assertThat(Spdy.DICTIONARY).hasSize(1423);
        assertThat(checksum.getValue()).isEqualTo(0xe3c6a7c2L);
    }

    @Test
    void headerBlocksRoundTripThroughOneCompressionStreamPerDirection() {
        Spdy.HeaderEncoder encoder = new Spdy.HeaderEncoder();
        Spdy.HeaderDecoder decoder = new Spdy.HeaderDecoder();
        for (int request = 0; request < 3; request++) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("streamtype", request % 2 == 0 ? "error" : "data");
            headers.put("port", "8080");
            headers.put("requestid", Integer.toString(request));
            byte[] block = encoder.encode(headers);
            byte[] payload = new byte[10 + block.length]; // a SYN_STREAM's ids, priority and slot come first
            System.arraycopy(block, 0, payload, 10, block.length);
            assertThat(decoder.decode(payload, 10)).isEqualTo(headers);
        }
    }

    @Test
    void framesAreCutOutOfPiecesOfAnySize() {
        byte[] ping = Spdy.control(Spdy.PING, 0, Spdy.int32(7));
        byte[] data = Spdy.data(3, Spdy.FLAG_FIN, "hello".getBytes(), 0, 5);
        byte[] both = new byte[ping.length + data.length];
        System.arraycopy(ping, 0, both, 0, ping.length);
        System.arraycopy(data, 0, both, ping.length, data.length);
        Spdy.FrameReader reader = new Spdy.FrameReader();
        for (int i = 0; i < both.length; i += 3) {
            byte[] piece = java.util.Arrays.copyOfRange(both, i, Math.min(both.length, i + 3));
            reader.append(piece);
        }
        Spdy.Frame first = reader.next();
        assertThat(first.type()).isEqualTo(Spdy.PING);
        assertThat(first.payloadStreamId()).isEqualTo(7);
        Spdy.Frame second = reader.next();
        assertThat(second.control()).isFalse();
        assertThat(second.streamId()).isEqualTo(3);
        assertThat(second.fin()).isTrue();
        assertThat(new String(second.payload())).isEqualTo("hello");
        assertThat(reader.next()).isNull();
    }
}
