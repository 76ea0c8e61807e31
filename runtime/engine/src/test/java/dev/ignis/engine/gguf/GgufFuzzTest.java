package dev.ignis.engine.gguf;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ignis.engine.tokenizer.Tokenizers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the GGUF readers (Jazzer). Half the inputs are raw bytes; the other half are
 * GGUF files built from the fuzzer's choices (version, counts, every metadata value type including nested
 * arrays, tensor shapes, types and offsets, alignment), so that mutations reach deep into the format. The
 * property: any input either parses, or fails with {@link GgufFormatException}; parsed metadata given to the
 * tokenizer factory fails, if at all, with an {@link IllegalArgumentException} or
 * {@link UnsupportedOperationException}. Anything else (an index error, a class cast, an out-of-memory, a
 * hang) is a bug.
 *
 * <p>In the normal build this runs the inputs under {@code src/test/resources/.../GgufFuzzTestInputs} (a
 * regression test); the {@code fuzz} execution of the surefire plugin runs it with {@code JAZZER_FUZZ=1} for
 * a fixed time (see the engine's pom).
 */
class GgufFuzzTest {

    @FuzzTest(maxDuration = "45s")
    void readersFailOnlyWithFormatErrors(FuzzedDataProvider data) throws IOException {
        byte[] bytes = data.consumeBoolean() ? structured(data) : data.consumeRemainingAsBytes();
        GgufHeader header;
        try {
            header = GgufHeader.read(new ByteArrayInputStream(bytes), 1 << 20);
        } catch (GgufFormatException expected) {
            header = null;
        }
        if (header != null) {
            try {
                Tokenizers.fromMetadata(header);
            } catch (IllegalArgumentException | UnsupportedOperationException expected) {
                // a clear refusal of metadata that is not a tokenizer
            }
        }
        Path file = Files.createTempFile("fuzz", ".gguf");
        try {
            Files.write(file, bytes);
            try (GgufFile mapped = GgufFile.open(file)) {
                for (GgufTensorInfo tensor : mapped.header().tensors()) {
                    mapped.tensorData(tensor);
                }
            } catch (GgufFormatException expected) {
                // the same refusal from the memory-mapped reader
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A GGUF file from the fuzzer's choices; it may still be invalid in many ways, which is the point. */
    private static byte[] structured(FuzzedDataProvider data) {
        int version = data.pickValue(new int[] {1, 2, 3, 3, 3, data.consumeInt()});
        boolean v1 = version == 1;
        Out out = new Out();
        out.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        out.u32(version);
        int tensors = data.consumeInt(0, 6);
        int kvs = data.consumeInt(0, 8);
        count(out, v1, data.consumeBoolean() ? tensors : data.consumeLong());
        count(out, v1, data.consumeBoolean() ? kvs : data.consumeLong());
        for (int i = 0; i < kvs; i++) {
            string(out, v1, data.pickValue(new String[] {"general.architecture", "general.alignment",
                    "tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.merges",
                    "tokenizer.ggml.token_type", "tokenizer.ggml.scores", "tokenizer.ggml.pre",
                    "llama.context_length", data.consumeString(12)}));
            value(out, data, v1, data.consumeInt(0, 12), 0);
        }
        for (int i = 0; i < tensors; i++) {
            string(out, v1, data.consumeString(16));
            int dims = data.consumeInt(0, 5);
            out.u32(data.consumeBoolean() ? dims : data.consumeInt());
            for (int d = 0; d < dims; d++) {
                if (v1) {
                    out.u32(data.consumeInt(0, 1 << 12));
                } else {
                    out.u64(data.consumeBoolean() ? data.consumeLong(0, 1 << 12) : data.consumeLong());
                }
            }
            out.u32(data.consumeInt(0, 40));
            out.u64(data.consumeBoolean() ? 32L * data.consumeInt(0, 64) : data.consumeLong());
        }
        out.bytes(data.consumeBytes(data.consumeInt(0, 4096)));
        return out.toByteArray();
    }

    private static void value(Out out, FuzzedDataProvider data, boolean v1, int type, int depth) {
        out.u32(type);
        switch (type) {
            case 0, 1 -> out.bytes(new byte[] {data.consumeByte()});
            case 2, 3 -> out.bytes(le(2).putShort(data.consumeShort()).array());
            case 4, 5 -> out.u32(data.consumeInt());
            case 6 -> out.bytes(le(4).putFloat(data.consumeFloat()).array());
            case 7 -> out.bytes(new byte[] {(byte) (data.consumeBoolean() ? 1 : data.consumeByte())});
            case 8 -> string(out, v1, data.consumeString(24));
            case 9 -> {
                int elementType = depth < 2 ? data.consumeInt(0, 12) : data.consumeInt(0, 8);
                out.u32(elementType);
                int n = data.consumeInt(0, 16);
                count(out, v1, data.consumeBoolean() ? n : data.consumeLong());
                for (int i = 0; i < n; i++) {
                    // Array elements carry no type tag of their own: write the value after a throw-away tag.
                    Out element = new Out();
                    value(element, data, v1, elementType, depth + 1);
                    byte[] tagged = element.toByteArray();
                    out.bytes(java.util.Arrays.copyOfRange(tagged, 4, tagged.length));
                }
            }
            case 10, 11 -> out.u64(data.consumeLong());
            case 12 -> out.bytes(le(8).putDouble(data.consumeDouble()).array());
            default -> out.bytes(data.consumeBytes(8));
        }
    }

    private static void count(Out out, boolean v1, long n) {
        if (v1) {
            out.u32((int) n);
        } else {
            out.u64(n);
        }
    }

    private static void string(Out out, boolean v1, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        count(out, v1, b.length);
        out.bytes(b);
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static final class Out extends ByteArrayOutputStream {
        void u32(int v) {
            bytes(le(4).putInt(v).array());
        }

        void u64(long v) {
            bytes(le(8).putLong(v).array());
        }

        void bytes(byte[] b) {
            write(b, 0, b.length);
        }
    }
}
