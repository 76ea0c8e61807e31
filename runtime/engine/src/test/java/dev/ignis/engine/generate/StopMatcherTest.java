package dev.ignis.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {

    @Test
    void stopSpanningTokensIsCutAndNeverLeaked() {
        StopMatcher m = new StopMatcher(List.of("</end>"));
        assertThat(m.add("Hello </")).isEqualTo("Hello ");
        assertThat(m.add("en")).isEmpty();
        assertThat(m.add("d> tail")).isEmpty();
        assertThat(m.stopped()).isTrue();
        assertThat(m.add("more")).isEmpty();
    }

    @Test
    void falseStartIsReleased() {
        StopMatcher m = new StopMatcher(List.of("STOP"));
        assertThat(m.add("ST")).isEmpty();
        assertThat(m.add("ART")).isEqualTo("START");
        assertThat(m.stopped()).isFalse();
        assertThat(m.add("S")).isEmpty();
        assertThat(m.flush()).isEqualTo("S");
    }

    @Test
    void earliestOfSeveralStopsWinsInsideOneToken() {
        StopMatcher m = new StopMatcher(List.of("\n\n", "User:"));
        assertThat(m.add("answer User: hi\n\nx")).isEqualTo("answer ");
        assertThat(m.stopped()).isTrue();
    }

    @Test
    void noStopsPassesEverything() {
        StopMatcher m = new StopMatcher(List.of());
        assertThat(m.add("abc")).isEqualTo("abc");
        assertThat(m.flush()).isEmpty();
    }
}
