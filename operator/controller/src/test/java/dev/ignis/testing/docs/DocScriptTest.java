package dev.ignis.testing.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link DocScript} reads the commands of a section, and how it starts a server. */
class DocScriptTest {

    @TempDir
    Path root;

    @Test
    void aSectionEndsAtTheNextHeadingOfItsLevelButNotAtACommentInACodeBlock() throws Exception {
        Files.writeString(root.resolve("doc.md"), """
                # Title
                ```bash
                echo one   # a comment
                ```
                ## Part
                ```bash
                # a comment line, not a heading
                echo two \\
                  --more
                ```
                ### Sub
                ```bash
                echo three
                ```
                # Next
                ```bash
                echo four
                ```
                """);
        assertThat(DocScript.steps(root, Path.of("doc.md"), "# Title")).extracting(DocScript.Step::command)
                .containsExactly("echo one   # a comment", "echo two    --more", "echo three");
        assertThat(DocScript.steps(root, Path.of("doc.md"), "## Part")).extracting(DocScript.Step::command)
                .containsExactly("echo two    --more", "echo three");
    }

    @Test
    void aQuotedStringGoesOnOverLines() throws Exception {
        Files.writeString(root.resolve("doc.md"), """
                # Title
                ```bash
                curl -d '{
                  "a": "it''s # not a comment"}'
                echo "x" # it's a comment
                ```
                """);
        assertThat(DocScript.steps(root, Path.of("doc.md"), "# Title")).extracting(DocScript.Step::command)
                .containsExactly("curl -d '{\n  \"a\": \"it''s # not a comment\"}'", "echo \"x\" # it's a comment");
    }

    @Test
    void aTrailingAmpersandIsDroppedAndNothingElse() {
        assertThat(DocScript.foreground("IGNIS_PORT=18080 ./run.sh &")).isEqualTo("IGNIS_PORT=18080 ./run.sh");
        assertThat(DocScript.foreground("java -jar x.jar  &  ")).isEqualTo("java -jar x.jar");
        assertThat(DocScript.foreground("java -jar x.jar & # the runtime")).isEqualTo("java -jar x.jar # the runtime");
        assertThat(DocScript.foreground("java -jar x.jar")).isEqualTo("java -jar x.jar");
        assertThat(DocScript.foreground("make && make test")).isEqualTo("make && make test");
        assertThat(DocScript.foreground("echo '&'")).isEqualTo("echo '&'");
        assertThat(DocScript.foreground("echo a # b &&")).isEqualTo("echo a # b &&");
    }

    @Test
    void aServerSentToTheBackgroundIsStartedAsAChildAndStopped() throws Exception {
        Files.writeString(root.resolve("doc.md"), """
                # Title
                ```bash
                sleep 300 &
                echo next
                ```
                """);
        DocScript doc = new DocScript(root, Path.of("doc.md"), "# Title", Map.of());
        Process server = doc.startServer("sleep 300", root.resolve("server.log"));
        try {
            DocScript.sleep(Duration.ofMillis(500));
            assertThat(server.isAlive()).as("bash runs the server in its foreground").isTrue();
            assertThat(Stream.concat(Stream.of(server.toHandle()), server.descendants())
                    .map(p -> p.info().commandLine().orElse(""))).anyMatch(c -> c.contains("sleep 300"));
            assertThat(doc.run("echo next")).isEqualTo("next\n");
            doc.end();
        } finally {
            assertThat(DocScript.stop(server)).isTrue();
        }
        assertThat(server.isAlive()).isFalse();
    }
}
