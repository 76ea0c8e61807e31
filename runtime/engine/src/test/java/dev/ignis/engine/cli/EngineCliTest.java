package dev.ignis.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.gguf.SharedModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    void inspectListsMetadataAndTensors() {
        assertThat(run("inspect", SharedModels.file("stories260K/stories260K.gguf").toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("GGUF v3").contains("general.architecture = llama")
                .contains("token_embd.weight F32");
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
