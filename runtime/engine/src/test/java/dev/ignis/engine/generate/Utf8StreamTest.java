package dev.ignis.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8StreamTest {

    @Test
    void charactersSplitAcrossTokensComeOutWhole() {
        byte[] rocket = "🚀".getBytes(StandardCharsets.UTF_8);
        Utf8Stream s = new Utf8Stream();
        assertThat(s.add("a".getBytes(StandardCharsets.UTF_8))).isEqualTo("a");
        assertThat(s.add(new byte[] {rocket[0], rocket[1]})).isEmpty();
        assertThat(s.add(new byte[] {rocket[2]})).isEmpty();
        assertThat(s.add(new byte[] {rocket[3], 'b'})).isEqualTo("🚀b");
        assertThat(s.flush()).isEmpty();
    }

    @Test
    void truncatedSequenceBecomesReplacementAtTheEnd() {
        Utf8Stream s = new Utf8Stream();
        assertThat(s.add(new byte[] {(byte) 0xE2, (byte) 0x82})).isEmpty();
        assertThat(s.flush()).isEqualTo("\uFFFD");
    }
}
