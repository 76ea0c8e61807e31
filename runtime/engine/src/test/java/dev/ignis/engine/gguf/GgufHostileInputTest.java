package dev.ignis.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Truncated, corrupt and hostile files give a GgufFormatException naming the field, never anything else. */
class GgufHostileInputTest {

    @TempDir
    Path dir;

    /** A small writer for hand-made GGUF v3 files. */
    static final class Writer {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Writer u32(long v) {
            return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        }

        Writer u64(long v) {
            return put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Writer str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            return put(b);
        }

        Writer put(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Writer header(long tensors, long kvs) {
            return put("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(tensors).u64(kvs);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static GgufFormatException parseFails(byte[] bytes) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> GgufHeader.read(new ByteArrayInputStream(bytes)));
        assertThat(t).isInstanceOf(GgufFormatException.class);
        return (GgufFormatException) t;
    }

    private GgufFormatException openFails(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("hostile.gguf"), bytes);
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> GgufFile.open(file).close());
        assertThat(t).isInstanceOf(GgufFormatException.class);
        return (GgufFormatException) t;
    }

    @Test
    void badMagicAndVersions() throws IOException {
        byte[] notGguf = "this is not a model at all".getBytes(StandardCharsets.US_ASCII);
        assertThat(parseFails(notGguf)).hasMessageContaining("magic");
        assertThat(openFails(notGguf)).hasMessageContaining("magic");
        byte[] v4 = new Writer().put("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(4).u64(0).u64(0).bytes();
        assertThat(parseFails(v4)).hasMessageContaining("version 4");
        byte[] bigEndian = new Writer().put("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(0x03000000L).bytes();
        assertThat(parseFails(bigEndian)).hasMessageContaining("big-endian");
    }

    @Test
    void hugeCountsAndLengthsAreRefusedBeforeAllocating() throws IOException {
        assertThat(openFails(new Writer().header(Long.MAX_VALUE, 0).bytes())).hasMessageContaining("tensor_count");
        assertThat(openFails(new Writer().header(0, 1L << 40).bytes())).hasMessageContaining("metadata_kv_count");
        byte[] hugeKey = new Writer().header(0, 1).u64(1L << 50).bytes();
        assertThat(parseFails(hugeKey)).hasMessageContaining("length");
        assertThat(openFails(hugeKey)).hasMessageContaining("length");
        byte[] hugeArray = new Writer().header(0, 1).str("a").u32(9).u32(0).u64(1L << 40).bytes();
        assertThat(parseFails(hugeArray)).hasMessageContaining("array length of 'a'");
        assertThat(openFails(hugeArray)).hasMessageContaining("array length of 'a'");
        byte[] negativeString = new Writer().header(0, 1).str("s").u32(8).u64(-1).bytes();
        assertThat(parseFails(negativeString)).hasMessageContaining("value of 's'");
    }

    @Test
    void unknownTypesAreNamed() {
        byte[] badValue = new Writer().header(0, 1).str("general.name").u32(99).bytes();
        assertThat(parseFails(badValue)).hasMessageContaining("general.name").hasMessageContaining("99");
        byte[] badTensorType = new Writer().header(1, 0).str("w").u32(1).u64(32).u32(4).u64(0).bytes();
        assertThat(parseFails(badTensorType)).hasMessageContaining("tensor 'w'").hasMessageContaining("unknown tensor type 4");
    }

    @Test
    void badTensorShapesAndOffsets() throws IOException {
        assertThat(parseFails(new Writer().header(1, 0).str("w").u32(5).bytes())).hasMessageContaining("n_dims");
        assertThat(parseFails(new Writer().header(1, 0).str("w").u32(2).u64(1L << 40).u64(1L << 40).bytes()))
                .hasMessageContaining("overflows");
        assertThat(parseFails(new Writer().header(1, 0).str("w").u32(1).u64(33).u32(8).u64(0).bytes()))
                .hasMessageContaining("block size");
        assertThat(parseFails(new Writer().header(1, 0).str("w").u32(1).u64(4).u32(0).u64(3).bytes()))
                .hasMessageContaining("not aligned");
        // Offset far beyond the end of the file: only the mapped reader knows the file size.
        byte[] beyond = new Writer().header(1, 0).str("w").u32(1).u64(4).u32(0).u64(1L << 20).bytes();
        assertThat(openFails(beyond)).hasMessageContaining("tensor 'w'").hasMessageContaining("exceeds the file size");
        byte[] twice = new Writer().header(2, 0).str("w").u32(1).u64(4).u32(0).u64(0)
                .str("w").u32(1).u64(4).u32(0).u64(32).bytes();
        assertThat(parseFails(twice)).hasMessageContaining("appears twice");
    }

    @Test
    void badAlignmentIsRefused() {
        byte[] bytes = new Writer().header(0, 1).str("general.alignment").u32(4).u32(24).bytes();
        assertThat(parseFails(bytes)).hasMessageContaining("general.alignment");
    }

    @Test
    void deeplyNestedArraysAreRefused() {
        Writer w = new Writer().header(0, 1).str("deep");
        w.u32(9);
        for (int i = 0; i < 20; i++) {
            w.u32(9).u64(1);
        }
        assertThat(parseFails(w.bytes())).hasMessageContaining("nested");
    }

    @Test
    void everyTruncationOfARealHeaderFailsCleanly() throws IOException {
        byte[] file = Files.readAllBytes(SharedModels.file("stories260K/stories260K.gguf"));
        GgufHeader full = GgufHeader.read(new ByteArrayInputStream(file));
        int headerEnd = (int) full.tensorDataOffset();
        for (int cut = 0; cut < headerEnd - 32; cut += Math.max(1, cut / 50)) {
            byte[] truncated = Arrays.copyOf(file, cut);
            assertThat(parseFails(truncated).getMessage()).as("cut at " + cut).isNotBlank();
        }
        // Cut inside the tensor data: the header reads, the mapped file refuses the tensor ranges.
        assertThat(openFails(Arrays.copyOf(file, headerEnd + 100))).hasMessageContaining("exceeds the file size");
    }

    /**
     * A seeded mutation fuzzer: bit flips, byte overwrites and splices of real files. Only
     * GgufFormatException (or a clean parse) may come out, and each case finishes fast.
     */
    @Test
    void mutatedRealFilesOnlyEverFailWithFormatErrors() throws IOException {
        byte[][] seeds = {
                Files.readAllBytes(SharedModels.file("stories260K/stories260K.gguf")),
                Files.readAllBytes(SharedModels.file("stories260K/tinyllamas-stories-260k-f32.gguf")),
                Files.readAllBytes(SharedModels.file("vocab/ggml-vocab-llama-spm.gguf")),
        };
        SplittableRandom random = new SplittableRandom(42);
        long deadline = System.nanoTime() + 20_000_000_000L;
        int cases = 0;
        Path file = dir.resolve("mutant.gguf");
        while (cases < 3000 && System.nanoTime() < deadline) {
            byte[] seed = seeds[random.nextInt(seeds.length)];
            int headerEnd = (int) Math.min(seed.length, GgufHeader.read(new ByteArrayInputStream(seed)).tensorDataOffset());
            byte[] mutant = Arrays.copyOf(seed, seed.length);
            int edits = 1 + random.nextInt(8);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(headerEnd);
                switch (random.nextInt(4)) {
                    case 0 -> mutant[at] ^= (byte) (1 << random.nextInt(8));
                    case 1 -> mutant[at] = (byte) random.nextInt(256);
                    case 2 -> mutant[at] = (byte) 0xff;
                    default -> {
                        int len = Math.min(8, headerEnd - at);
                        byte[] other = seeds[random.nextInt(seeds.length)];
                        int from = random.nextInt(Math.max(1, other.length - len));
                        System.arraycopy(other, from, mutant, at, Math.min(len, other.length - from));
                    }
                }
            }
            if (random.nextInt(4) == 0) {
                mutant = Arrays.copyOf(mutant, random.nextInt(mutant.length));
            }
            try {
                GgufHeader.read(new ByteArrayInputStream(mutant));
            } catch (GgufFormatException expected) {
                // fine
            }
            if (cases % 10 == 0) {
                Files.write(file, mutant);
                try (GgufFile f = GgufFile.open(file)) {
                    assertThat(f.header()).isNotNull();
                } catch (GgufFormatException expected) {
                    // fine
                }
            }
            cases++;
        }
        assertThat(cases).isGreaterThan(100);
    }
}
