package dev.ignis.controlplane.docs;

import static dev.ignis.controlplane.docs.Walks.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ignis.testing.docs.DocScript;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands of the runtime's and the engine's docs, as written, with bash from the repository's root:
 * the runtime started on stories260K and on all-MiniLM-L6-v2 and called with curl
 * (docs/reference/runtime-configuration.md), and the engine's command line: inspect, generate, embed, and
 * synth plus bench on a Llama-3.2-1B-shaped model (docs/internals/engine.md). The {@code ./mvnw package}
 * lines are this build itself: the test checks that what they make is there. The one change a reader makes
 * on a shared machine: the runtime listens on a free port ({@code IGNIS_RUNTIME_PORT}) instead of 8000.
 */
class RuntimeAndEngineDocsE2E {

    private static final Path ROOT = Path.of(System.getProperty("ignis.repo.dir", "..")).toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path logs;

    private final List<Process> servers = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process server : servers) {
            DocScript.stop(server);
        }
    }

    /** The reader's shell: the JDK 25 this test runs on is the {@code java} on the path. */
    private static Map<String, String> environment(int runtimePort) {
        String path = Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH");
        return Map.of("PATH", path, "IGNIS_RUNTIME_PORT", Integer.toString(runtimePort));
    }

    @Test
    void theRuntimeReferenceCommandsServeACompletionAndEmbeddings() throws Exception {
        int port = DocScript.freePort();
        DocScript doc = new DocScript(ROOT, Path.of("docs/reference/runtime-configuration.md"), "## Request log",
                environment(port)).rewrite("localhost:8000", "localhost:" + port);
        doc.next("./mvnw -q -pl runtime/server -am package", step -> assertThat(
                ROOT.resolve("runtime/server/target/quarkus-app/quarkus-run.jar")).as("built by this build").exists());

        Process stories = server(doc.startServer("stories260K.gguf", logs.resolve("stories.log")), port, "stories.log");
        JsonNode completion = json(doc.run("/v1/completions"));
        assertThat(completion.at("/choices/0/text").asText()).isNotBlank();
        assertThat(completion.at("/usage/completion_tokens").asInt()).isBetween(1, 64);
        stopServer(stories);

        server(doc.startServer("all-MiniLM-L6-v2-f32.gguf", logs.resolve("minilm.log")), port, "minilm.log");
        JsonNode embeddings = json(doc.run("/v1/embeddings"));
        assertThat(embeddings.path("data")).hasSize(2);
        assertThat(embeddings.at("/data/0/embedding")).hasSize(384);
        doc.end();
    }

    @Test
    void theEngineCommandLineRunsAsDocumented() throws Exception {
        DocScript cli = new DocScript(ROOT, Path.of("docs/internals/engine.md"), "## Command line", environment(0));
        cli.next("./mvnw -q -pl runtime/engine package", step -> assertThat(
                ROOT.resolve("runtime/engine/target/ignis-engine-0.1.0-SNAPSHOT.jar")).as("built by this build").exists());
        String inspected = cli.run(" inspect ");
        assertThat(inspected).startsWith("GGUF v3").contains("general.architecture = llama");
        assertThat(cli.run("--prompt \"Once upon a time\"")).isNotBlank();
        Path logits = logs.resolve("logits.json");
        cli.rewrite("/tmp/logits.json", logits.toString());
        Files.deleteIfExists(logits);
        assertThat(cli.run("--logits-json /tmp/logits.json")).isNotBlank();
        JsonNode positions = JSON.readTree(logits.toFile());
        assertThat(positions.size()).isBetween(4, 64);
        assertThat(positions.at("/0/top")).hasSize(10);
        Files.delete(logits);
        String vector = cli.run(" embed ");
        assertThat(vector.strip().split(" ")).hasSize(384);
        cli.end();

        // The models get names of their own, as a reader on a shared machine would pick: another build running
        // the same page must not overwrite a file this run has mapped.
        long pid = ProcessHandle.current().pid();
        Path model = Path.of("/tmp/llama1b-q8_0-" + pid + ".gguf");
        Path kquant = Path.of("/tmp/qwen3-q4_k-" + pid + ".gguf");
        DocScript speed = new DocScript(ROOT, Path.of("docs/internals/engine.md"), "## Speed (measured, not asserted)",
                environment(0)).rewrite("/tmp/llama1b-q8_0.gguf", model.toString())
                .rewrite("/tmp/qwen3-q4_k.gguf", kquant.toString());
        try {
            speed.run(" synth --preset llama-3.2-1b --type q8_0");
            assertThat(Files.size(model)).isGreaterThan(1_000_000_000L);
            String figures = speed.run(" bench /tmp/llama1b-q8_0.gguf");
            assertThat(figures).contains("machine: memory read").contains("prompt processing:").contains("decode:")
                    .contains("decode batched x8:").contains("JVM heap at most");
            Files.delete(model);
            // "Block-format dequantization": a K-quant model.
            speed.run(" synth --preset qwen3-0.6b --type q4_k");
            assertThat(Files.size(kquant)).isGreaterThan(300_000_000L);
            assertThat(speed.run(" bench /tmp/qwen3-q4_k.gguf")).contains("decode:").contains("decode batched x4:");
            speed.end();
        } finally {
            Files.deleteIfExists(model);
            Files.deleteIfExists(kquant);
        }
    }

    private Process server(Process process, int port, String logName) throws IOException {
        servers.add(process);
        DocScript.awaitReady(process, URI.create("http://127.0.0.1:" + port + "/health/ready"), logs.resolve(logName),
                Duration.ofMinutes(2));
        return process;
    }

    private void stopServer(Process process) throws InterruptedException {
        assertThat(DocScript.stop(process)).as("the runtime stops on SIGTERM").isTrue();
        servers.remove(process);
    }

}
