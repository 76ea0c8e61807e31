package dev.ignis.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.gguf.GgufTensorInfo;
import dev.ignis.engine.gguf.GgufWriter;
import dev.ignis.engine.gguf.SharedModels;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.ignis.engine.tokenizer.TestJson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineCliTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return EngineCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void generateContinuesThePromptGreedily() {
        String model = SharedModels.file("stories260K/stories260K.gguf").toString();
        assertThat(run("generate", model, "--prompt", "Zoo", "--steps", "60")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Zoo was a little girl named Lily.");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("tokens/s");
    }

    @Test
    void threadsAreASettingThatDoesNotChangeTheText() {
        String model = SharedModels.file("stories260K/stories260K.gguf").toString();
        assertThat(run("generate", model, "--prompt", "Zoo", "--steps", "60", "--threads", "1")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Zoo was a little girl named Lily.");
        assertThat(run("generate", model, "--prompt", "Zoo", "--threads", "zero")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("threads must be an integer from 1 to 4096, got 'zero'");
    }

    @Test
    @SuppressWarnings("unchecked")
    void tokenIdsInTopLogitsOutAsJsonMatchTheReference(@TempDir Path dir) throws Exception {
        String model = SharedModels.file("stories260K/stories260K.gguf").toString();
        Path json = dir.resolve("logits.json");
        // "Zoo" with BOS, as the golden file gives it; the first generated position is 3.
        assertThat(run("generate", model, "--ids", "1,410,469,347", "--steps", "12", "--logits-json",
                json.toString(), "--top", "10")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Zoo was");
        List<Object> steps = (List<Object>) TestJson.parse(Files.readString(json));
        assertThat(steps).as("one entry per position, --steps counting the prompt").hasSize(12);
        Map<String, Object> first = (Map<String, Object>) steps.get(3);
        assertThat(first.get("generated")).isEqualTo(true);
        List<Object> top = (List<Object>) first.get("top");

        Map<String, Object> golden = (Map<String, Object>) ((List<Object>) ((Map<String, Object>) TestJson.parse(
                Files.readString(SharedModels.file("stories260K/stories260K.golden.json")))).get("cases")).getFirst();
        List<Object> expected = (List<Object>) ((List<Object>) golden.get("top10_logits_first5_generated_positions"))
                .getFirst();
        assertThat(top).hasSize(10);
        for (int i = 0; i < 10; i++) {
            List<Object> got = (List<Object>) top.get(i);
            List<Object> want = (List<Object>) expected.get(i);
            assertThat(((Number) got.get(0)).intValue()).as("rank " + i).isEqualTo(((Number) want.get(0)).intValue());
            assertThat(((Number) got.get(1)).doubleValue()).isCloseTo(((Number) want.get(1)).doubleValue(),
                    org.assertj.core.api.Assertions.within(1e-3));
        }
        assertThat(run("generate", model, "--ids", "1,99999")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--ids: 99999 is not a token id of this model");
    }

    @Test
    void inspectListsMetadataAndTensors() {
        assertThat(run("inspect", SharedModels.file("stories260K/stories260K.gguf").toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("GGUF v3").contains("general.architecture = llama")
                .contains("token_embd.weight F32");
    }

    @Test
    void aModelThatAddsNoBosStartsFromTheTextAlone(@TempDir Path dir) throws Exception {
        // stories260K with tokenizer.ggml.add_bos_token = false, as a Qwen2 file has it.
        Path model = dir.resolve("no-bos.gguf");
        try (GgufFile stories = GgufFile.open(SharedModels.file("stories260K/stories260K.gguf"))) {
            GgufWriter w = new GgufWriter();
            stories.header().metadata().forEach((key, value) -> w.put(key, writable(value)));
            w.put("tokenizer.ggml.add_bos_token", false);
            for (GgufTensorInfo t : stories.header().tensors()) {
                MemorySegment data = stories.tensorData(t);
                w.tensor(t.name(), t.shape(), t.type(), (row, buffer) -> MemorySegment.copy(data,
                        row * buffer.remaining(), MemorySegment.ofBuffer(buffer), 0, buffer.remaining()));
            }
            w.write(model);
        }
        assertThat(run("generate", model.toString(), "--prompt", "Zoo", "--steps", "20")).isZero();
        String fromText = out.toString(StandardCharsets.UTF_8);
        out.reset();
        // "Zoo" is 410,469,347; the same ids without BOS in front give the same text.
        assertThat(run("generate", model.toString(), "--ids", "410,469,347", "--steps", "20")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(fromText);
        out.reset();
        assertThat(run("generate", model.toString(), "--ids", "1,410,469,347", "--steps", "20")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).as("with BOS").isNotEqualTo(fromText);
        assertThat(run("generate", model.toString(), "--prompt", "")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("the prompt is empty");
    }

    /** GgufHeader reads numbers as Long and Double; GgufWriter takes Integer and Float. */
    private static Object writable(Object value) {
        return switch (value) {
            case Long l -> (int) (long) l;
            case Double d -> (float) (double) d;
            case List<?> list -> list.stream().map(EngineCliTest::writable).toList();
            default -> value;
        };
    }

    @Test
    void badInputIsAClearErrorNotAStackTrace(@TempDir Path dir) throws Exception {
        assertThat(run("generate")).isEqualTo(2);
        assertThat(run("inspect", dir.resolve("missing.gguf").toString())).isEqualTo(1);
        Path junk = Files.writeString(dir.resolve("junk.gguf"), "not a model");
        assertThat(run("inspect", junk.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("not a valid GGUF file").doesNotContain("\tat ");
        assertThat(run("generate", SharedModels.file("embeddings/bge-small-en-v1.5/bge-small-en-v1.5-q8_0.gguf")
                .toString(), "--prompt", "x")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("architecture 'bert' is an encoder for embeddings");
        assertThat(run("synth", "--preset")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("expected --option value, got '--preset'");
        assertThat(run("synth", "--preset", "llama-3.2-1b", "--type", "q3_x", "--out", dir.resolve("m.gguf").toString()))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown --type, one of f32|f16").doesNotContain("\tat ");
        assertThat(dir.resolve("m.gguf")).doesNotExist();
    }

    @Test
    void helpPrintsTheUsage() {
        assertThat(run("--help")).isZero();
        assertThat(run("synth", "--help")).isZero();
        assertThat(run("bench", "-h")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: inspect MODEL.gguf").contains("synth --preset");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void embedPrintsTheNormalizedVector() {
        String model = SharedModels.file("embeddings/all-MiniLM-L6-v2/all-MiniLM-L6-v2-f32.gguf").toString();
        assertThat(run("embed", model, "--text", "Hello world", "--batch", "2")).isZero();
        String[] values = out.toString(StandardCharsets.UTF_8).strip().split(" ");
        assertThat(values).hasSize(384);
        double norm = 0;
        for (String v : values) {
            norm += Double.parseDouble(v) * Double.parseDouble(v);
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("4 tokens, 384 dimensions, MEAN pooling")
                .contains("embeddings/s");
        assertThat(run("embed", model)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("embed needs --text");
        assertThat(run("embed", SharedModels.file("stories260K/stories260K.gguf").toString(), "--text", "x"))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("is not an encoder");
    }
}
