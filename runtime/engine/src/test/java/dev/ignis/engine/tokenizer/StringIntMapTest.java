package dev.ignis.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StringIntMapTest {

    @Test
    void agreesWithAHashMapOnRandomPiecesAndMisses() {
        SplittableRandom random = new SplittableRandom(7);
        int n = 50_000;
        StringIntMap map = new StringIntMap(n);
        Map<String, Integer> reference = new HashMap<>();
        for (int i = 0; i < n; i++) {
            // short keys from a small alphabet: many share hash codes' low bits, and some repeat
            String key = randomKey(random);
            map.putIfAbsent(key, i);
            reference.putIfAbsent(key, i);
        }
        assertThat(map.size()).isEqualTo(reference.size());
        reference.forEach((k, v) -> assertThat(map.get(k)).as(k).isEqualTo(v));
        for (int i = 0; i < 10_000; i++) {
            String probe = randomKey(random) + "#";
            assertThat(map.get(probe)).isEqualTo(StringIntMap.ABSENT);
        }
    }

    @Test
    void theFirstValueWinsAndTheEmptyStringIsAKey() {
        StringIntMap map = new StringIntMap(3);
        map.putIfAbsent("", 4);
        map.putIfAbsent("a b", 1);
        map.putIfAbsent("a b", 2);
        assertThat(map.get("")).isEqualTo(4);
        assertThat(map.get("a b")).isEqualTo(1);
        assertThat(map.get("ab")).isEqualTo(StringIntMap.ABSENT);
        assertThat(map.size()).isEqualTo(2);
    }

    @Test
    void refusesNegativeValuesAndMoreEntriesThanSizedFor() {
        StringIntMap map = new StringIntMap(0);
        assertThatThrownBy(() -> map.putIfAbsent("x", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> {
            for (int i = 0; i < 1000; i++) {
                map.putIfAbsent("k" + i, i);
            }
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("sized for");
    }

    private static String randomKey(SplittableRandom random) {
        int length = 1 + random.nextInt(6);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append("abcĠ \u2581é"  .charAt(random.nextInt(7)));
        }
        return s.toString();
    }
}
