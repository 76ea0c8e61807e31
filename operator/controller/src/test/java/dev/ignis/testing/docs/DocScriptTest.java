package dev.ignis.testing.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link DocScript} reads the commands of a section. */
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
}
