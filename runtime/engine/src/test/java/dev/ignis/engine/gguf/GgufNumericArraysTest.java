package dev.ignis.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Numeric arrays are held in primitive arrays but read back exactly as single values of their type are: a
 * {@link Long} for every integer type (sign-extended or not as the type says), a {@link Double} for floats.
 */
class GgufNumericArraysTest {

    /** One array per numeric element type: (type, element width, values as the reader must return them). */
    private record Case(String key, int type, int width, List<Object> expected) {
    }

    private static final List<Case> CASES = List.of(
            new Case("u8", 0, 1, List.of(0L, 1L, 127L, 128L, 255L)),
            new Case("i8", 1, 1, List.of(0L, 1L, 127L, -128L, -1L)),
            new Case("u16", 2, 2, List.of(0L, 1L, 32767L, 32768L, 65535L)),
            new Case("i16", 3, 2, List.of(0L, 1L, 32767L, -32768L, -1L)),
            new Case("u32", 4, 4, List.of(0L, 1L, 2147483647L, 2147483648L, 4294967295L)),
            new Case("i32", 5, 4, List.of(0L, 1L, 2147483647L, -2147483648L, -1L)),
            new Case("f32", 6, 4, List.of(0.0, -2.5, (double) Float.MAX_VALUE, (double) Float.MIN_VALUE,
                    Double.NEGATIVE_INFINITY)),
            new Case("u64", 10, 8, List.of(0L, 1L, Long.MAX_VALUE, Long.MIN_VALUE, -1L)),
            new Case("i64", 11, 8, List.of(0L, 1L, Long.MAX_VALUE, Long.MIN_VALUE, -1L)),
            new Case("f64", 12, 8, List.of(0.0, -2.5, Double.MAX_VALUE, Double.MIN_VALUE, Double.NaN)));

    private static byte[] element(Case c, Object value) {
        ByteBuffer b = ByteBuffer.allocate(c.width()).order(ByteOrder.LITTLE_ENDIAN);
        switch (c.type()) {
            case 6 -> b.putFloat((float) (double) (Double) value);
            case 12 -> b.putDouble((Double) value);
            default -> {
                long v = (Long) value;
                switch (c.width()) {
                    case 1 -> b.put((byte) v);
                    case 2 -> b.putShort((short) v);
                    case 4 -> b.putInt((int) v);
                    default -> b.putLong(v);
                }
            }
        }
        return b.array();
    }

    private static GgufHeader header(List<Case> cases, int repeat) throws IOException {
        GgufHostileInputTest.Writer w = new GgufHostileInputTest.Writer().header(0, cases.size());
        for (Case c : cases) {
            w.str(c.key()).u32(9).u32(c.type()).u64((long) c.expected().size() * repeat);
            for (int r = 0; r < repeat; r++) {
                for (Object v : c.expected()) {
                    w.put(element(c, v));
                }
            }
        }
        return GgufHeader.read(new ByteArrayInputStream(w.bytes()));
    }

    @Test
    void everyNumericTypeReadsBackAsItsBoxedValues() throws IOException {
        GgufHeader h = header(CASES, 1);
        for (Case c : CASES) {
            List<?> list = (List<?>) h.metadata().get(c.key());
            assertThat(list).as(c.key()).isEqualTo(c.expected());
            assertThat(list.get(0)).as(c.key()).isInstanceOf(c.type() == 6 || c.type() == 12 ? Double.class : Long.class);
            assertThatThrownBy(() -> list.get(list.size())).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> list.get(-1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> ((List<Object>) list).set(0, 1L)).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void arraysLongerThanTheFirstAllocationGrowAsRead() throws IOException {
        // 5 values x 2000 = 10,000 elements: past the first 4,096 and the doubling to 8,192
        GgufHeader h = header(CASES, 2000);
        for (Case c : CASES) {
            List<?> list = (List<?>) h.metadata().get(c.key());
            List<Object> expected = new ArrayList<>();
            for (int r = 0; r < 2000; r++) {
                expected.addAll(c.expected());
            }
            assertThat(list).as(c.key()).hasSize(10_000).isEqualTo(expected);
        }
    }

    @Test
    void aTruncatedNumericArrayNamesItsKey() {
        GgufHostileInputTest.Writer w = new GgufHostileInputTest.Writer().header(0, 1);
        w.str("tokenizer.ggml.scores").u32(9).u32(6).u64(100);
        for (int i = 0; i < 10; i++) {
            w.put(element(CASES.get(6), 1.5));
        }
        assertThatThrownBy(() -> GgufHeader.read(new ByteArrayInputStream(w.bytes())))
                .isInstanceOf(GgufFormatException.class).hasMessageContaining("tokenizer.ggml.scores");
    }
}
