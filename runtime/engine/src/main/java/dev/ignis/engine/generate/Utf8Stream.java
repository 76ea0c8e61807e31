package dev.ignis.engine.generate;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns token bytes into text as tokens arrive: a character split across tokens (byte-fallback tokens,
 * byte-level BPE) is held back until its last byte comes, so a stream never shows half a character.
 * Invalid sequences become U+FFFD.
 */
public final class Utf8Stream {

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(0);

    /** Adds the bytes of one token; returns the complete characters they finish. */
    public String add(byte[] bytes) {
        ByteBuffer in = ByteBuffer.allocate(pending.remaining() + bytes.length);
        in.put(pending).put(bytes).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        CoderResult result = decoder.decode(in, out, false);
        if (result.isError()) {
            throw new IllegalStateException("decoder in REPLACE mode reported " + result);
        }
        pending = in.slice();
        return out.flip().toString();
    }

    /** At the end: whatever is left, with incomplete characters replaced. */
    public String flush() {
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 2);
        decoder.decode(pending, out, true);
        decoder.flush(out);
        decoder.reset();
        pending = ByteBuffer.allocate(0);
        return out.flip().toString();
    }
}
