package dev.ignis.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The docs check: every shell command in README.md and docs/ refers to things that exist. Maven modules
 * ({@code -pl}), test classes ({@code -Dtest}, {@code -Dit.test}), repository files the commands name
 * (scripts, examples, sources, build outputs by their module), the engine CLI's subcommands and options,
 * and the management API's routes (against the committed OpenAPI document). What the commands do is run
 * by the tests that walk them (the README walkthrough by LocalProvisionerIT, kubectl by KubectlE2E, Helm by
 * the chart tests, the images by hand as docs/how-to/container-images.md says); this check keeps the text
 * from drifting away from the code.
 */
class DocsCommandsTest {

    static final Path ROOT = Path.of(System.getProperty("ignis.repo.dir", ".."));
    static final Pattern FENCE = Pattern.compile("```(?:bash|sh)?\\n(.*?)```", Pattern.DOTALL);

    record Command(Path doc, String text) {
    }

    static List<Command> commands() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> files = Files.walk(ROOT.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
        }
        try (Stream<Path> files = Files.walk(ROOT.resolve("helm/ignis"))) {
            files.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
        }
        List<Command> commands = new ArrayList<>();
        for (Path doc : docs) {
            Matcher m = FENCE.matcher(Files.readString(doc));
            while (m.find()) {
                // Join continued lines; one command per line.
                for (String line : m.group(1).replace("\\\n", " ").split("\n")) {
                    if (!line.isBlank() && !line.strip().startsWith("#")) {
                        commands.add(new Command(ROOT.relativize(doc), line.strip()));
                    }
                }
            }
        }
        return commands;
    }

    @Test
    void mavenModulesAndTestClassesExist() throws IOException {
        List<String> problems = new ArrayList<>();
        Pattern modules = Pattern.compile("-pl\\s+([A-Za-z0-9/,_-]+)");
        Pattern tests = Pattern.compile("-D(?:it\\.)?test='?([A-Za-z0-9_*,]+)'?");
        int checked = 0;
        for (Command c : commands()) {
            if (!c.text().contains("mvnw")) {
                continue;
            }
            checked++;
            Matcher m = modules.matcher(c.text());
            while (m.find()) {
                for (String module : m.group(1).split(",")) {
                    if (!Files.isRegularFile(ROOT.resolve(module).resolve("pom.xml"))) {
                        problems.add(c.doc() + ": no module " + module + " in `" + c.text() + "`");
                    }
                }
            }
            Matcher t = tests.matcher(c.text());
            while (t.find()) {
                for (String name : t.group(1).split(",")) {
                    if (!name.contains("*") && !name.equals("NoSuch") && !testClassExists(name)) {
                        problems.add(c.doc() + ": no test class " + name + " in `" + c.text() + "`");
                    }
                }
            }
        }
        assertThat(checked).as("Maven commands found in the docs").isGreaterThanOrEqualTo(5);
        assertThat(problems).isEmpty();
    }

    @Test
    void filesTheCommandsNameExist() throws IOException {
        List<String> problems = new ArrayList<>();
        // Repository paths: sources, scripts, examples and the chart (build outputs are checked by module).
        Pattern path = Pattern.compile("(?<![\\w/.-])((?:operator|runtime|control-plane|helm|images|docs|acl)/[\\w./-]+)");
        Set<String> outputs = Set.of("target");
        int checked = 0;
        for (Command c : commands()) {
            Matcher m = path.matcher(c.text());
            while (m.find()) {
                String p = m.group(1).replaceAll("[.,;:)]+$", "");
                if (p.contains("...")) {
                    continue; // an elided path in a diagram
                }
                checked++;
                String[] parts = p.split("/");
                int target = List.of(parts).indexOf("target");
                if (target >= 0) {
                    // A build output: its module must exist.
                    Path module = ROOT.resolve(String.join("/", List.of(parts).subList(0, target)));
                    if (!Files.isRegularFile(module.resolve("pom.xml"))) {
                        problems.add(c.doc() + ": " + p + " is not the output of a module");
                    }
                } else if (!Files.exists(ROOT.resolve(p)) && outputs.stream().noneMatch(p::contains)) {
                    problems.add(c.doc() + ": no file " + p + " in `" + c.text() + "`");
                }
            }
        }
        assertThat(checked).isGreaterThan(10);
        assertThat(problems).isEmpty();
    }

    @Test
    void engineCliSubcommandsAndOptionsExist() throws IOException {
        String cli = Files.readString(ROOT.resolve("runtime/engine/src/main/java/dev/ignis/engine/cli/EngineCli.java"));
        List<String> problems = new ArrayList<>();
        Pattern option = Pattern.compile("(--[a-z][a-z-]*)");
        int checked = 0;
        for (Command c : commands()) {
            int jar = c.text().indexOf("ignis-engine-0.1.0-SNAPSHOT.jar");
            if (jar < 0) {
                continue;
            }
            String rest = c.text().substring(jar + "ignis-engine-0.1.0-SNAPSHOT.jar".length()).strip();
            String sub = rest.split("\\s+")[0];
            checked++;
            if (!cli.contains("\"" + sub + "\"")) {
                problems.add(c.doc() + ": the engine CLI has no subcommand " + sub);
            }
            Matcher m = option.matcher(rest);
            while (m.find()) {
                if (!cli.contains("\"" + m.group(1) + "\"")) {
                    problems.add(c.doc() + ": the engine CLI reads no option " + m.group(1) + " in `" + c.text() + "`");
                }
            }
        }
        assertThat(checked).isGreaterThan(3);
        assertThat(problems).isEmpty();
    }

    @Test
    void managementRoutesAreInTheOpenApiDocument() throws IOException {
        String openapi = Files.readString(ROOT.resolve("docs/reference/openapi.yaml"));
        List<String> problems = new ArrayList<>();
        Pattern route = Pattern.compile("\\$IGNIS(/v1/(?:[\\w/{}$.-]|<[^>]*>)*)");
        int checked = 0;
        for (Command c : commands()) {
            Matcher m = route.matcher(c.text());
            while (m.find()) {
                checked++;
                // <id> and $ID placeholders stand for a path parameter.
                String[] segments = m.group(1).replaceAll("[?\"'].*$", "").split("/");
                StringBuilder regex = new StringBuilder("\\n  ");
                for (String s : segments) {
                    if (s.isEmpty()) {
                        continue;
                    }
                    regex.append("/").append(s.startsWith("<") || s.startsWith("$") ? "\\{[A-Za-z_]+\\}"
                            : Pattern.quote(s));
                }
                regex.append(":");
                if (!Pattern.compile(regex.toString()).matcher(openapi).find()) {
                    problems.add(c.doc() + ": no route " + m.group(1) + " in the OpenAPI document");
                }
            }
        }
        assertThat(checked).isGreaterThan(5);
        assertThat(problems).isEmpty();
    }

    private static boolean testClassExists(String name) throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.anyMatch(p -> p.getFileName().toString().equals(name + ".java")
                    && p.toString().contains("src/test/java") && !p.toString().contains("/target/"));
        }
    }
}
