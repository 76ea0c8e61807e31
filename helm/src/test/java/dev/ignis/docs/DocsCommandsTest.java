package dev.ignis.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * by the walkthrough tests listed in {@link #WALKED}, which run each section's commands as written; a shell
 * block in no listed section fails {@link #everyShellBlockIsRunByATestOrListedAsNotYetRun} unless its
 * document is in {@link #NOT_WALKED} with the reason.
 */
class DocsCommandsTest {

    static final Path ROOT = Path.of(System.getProperty("ignis.repo.dir", ".."));
    /**
     * One shell command of a document ({@code ```bash} or {@code ```sh} blocks; other blocks are output, YAML
     * or diagrams), with the headings it sits under, outermost first.
     */
    record Command(Path doc, List<String> headings, String text) {
    }

    static List<Path> documents() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        for (String dir : List.of("docs", "helm/ignis")) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(dir))) {
                files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
            }
        }
        return docs;
    }

    static List<Command> commands() throws IOException {
        List<Command> commands = new ArrayList<>();
        for (Path doc : documents()) {
            List<String> headings = new ArrayList<>();
            String fence = null;
            StringBuilder block = new StringBuilder();
            for (String line : Files.readAllLines(doc)) {
                if (fence == null && line.startsWith("```")) {
                    fence = line.substring(3).strip();
                    block.setLength(0);
                } else if (fence != null && line.startsWith("```")) {
                    if (fence.equals("bash") || fence.equals("sh")) {
                        // Join continued lines; one command per line.
                        for (String command : block.toString().replace("\\\n", " ").split("\n")) {
                            if (!command.isBlank() && !command.strip().startsWith("#")) {
                                commands.add(new Command(ROOT.relativize(doc), List.copyOf(headings), command.strip()));
                            }
                        }
                    }
                    fence = null;
                } else if (fence != null) {
                    block.append(line).append('\n');
                } else if (line.matches("#{1,6} .*")) {
                    int level = line.indexOf(' ');
                    while (headings.size() >= level) {
                        headings.removeLast();
                    }
                    while (headings.size() < level - 1) {
                        headings.add("");
                    }
                    headings.add(line);
                }
            }
        }
        return commands;
    }

    /**
     * The tests that run the shell blocks of the docs as written, by document and heading (a block is covered
     * by the nearest heading above it that is listed). Each test's source must name the document and the
     * heading, so this list cannot claim a walk that does not happen.
     */
    static final Map<String, String> WALKED = Map.ofEntries(
            Map.entry("README.md # ## Run it", "control-plane/src/test/java/dev/ignis/controlplane/docs/DocsWalkthroughE2E.java"),
            Map.entry("docs/how-to/local-mode.md # ## Start it", "control-plane/src/test/java/dev/ignis/controlplane/docs/DocsWalkthroughE2E.java"),
            Map.entry("docs/how-to/local-mode.md # ## Deploy, call, change, delete", "control-plane/src/test/java/dev/ignis/controlplane/docs/DocsWalkthroughE2E.java"),
            Map.entry("docs/how-to/management-api.md # # Using the management API", "control-plane/src/test/java/dev/ignis/controlplane/docs/DocsWalkthroughE2E.java"),
            Map.entry("docs/reference/runtime-configuration.md # ## Request log", "control-plane/src/test/java/dev/ignis/controlplane/docs/RuntimeAndEngineDocsE2E.java"),
            Map.entry("docs/internals/engine.md # ## Command line", "control-plane/src/test/java/dev/ignis/controlplane/docs/RuntimeAndEngineDocsE2E.java"),
            Map.entry("docs/internals/engine.md # ## Speed (measured, not asserted)", "control-plane/src/test/java/dev/ignis/controlplane/docs/RuntimeAndEngineDocsE2E.java"),
            Map.entry("docs/how-to/benchmark.md # # Benchmarking the management API", "control-plane/src/test/java/dev/ignis/controlplane/docs/BenchmarkDocsE2E.java"),
            Map.entry("docs/how-to/benchmark.md # # Benchmarking a runtime under load", "control-plane/src/test/java/dev/ignis/controlplane/docs/BenchmarkDocsE2E.java"),
            Map.entry("docs/how-to/kubernetes-operator.md # ## Install the CRD and the operator", "control-plane/src/test/java/dev/ignis/controlplane/docs/KubernetesOperatorDocsE2E.java"),
            Map.entry("docs/how-to/kubernetes-operator.md # ## Deploy a model", "control-plane/src/test/java/dev/ignis/controlplane/docs/KubernetesOperatorDocsE2E.java"),
            Map.entry("helm/ignis/README.md # # The Ignis Helm chart", "control-plane/src/test/java/dev/ignis/controlplane/docs/HelmChartDocsE2E.java"),
            Map.entry("docs/how-to/container-images.md # # Container images without Docker", "control-plane/src/test/java/dev/ignis/controlplane/docs/ContainerImagesDocsE2E.java"),
            Map.entry("docs/how-to/install-with-helm.md # ## Try it out: PostgreSQL in the cluster", "control-plane/src/test/java/dev/ignis/controlplane/docs/HelmInstallDocsE2E.java"),
            Map.entry("docs/how-to/install-with-helm.md # ## Production: your own PostgreSQL", "control-plane/src/test/java/dev/ignis/controlplane/docs/HelmInstallDocsE2E.java"),
            Map.entry("docs/how-to/install-with-helm.md # ## Restrict the operator to some namespaces", "control-plane/src/test/java/dev/ignis/controlplane/docs/HelmInstallDocsE2E.java"),
            Map.entry("docs/how-to/install-with-helm.md # ## First steps", "control-plane/src/test/java/dev/ignis/controlplane/docs/HelmInstallDocsE2E.java"),
            Map.entry("docs/how-to/install-with-helm.md # ## Upgrade and uninstall", "control-plane/src/test/java/dev/ignis/controlplane/docs/HelmInstallDocsE2E.java"),
            Map.entry("docs/how-to/install-with-helm.md # ## Check the chart without a cluster", "control-plane/src/test/java/dev/ignis/controlplane/docs/HelmInstallDocsE2E.java"),
            // The test command itself: CI runs it (.ci/run), as does every developer.
            Map.entry("README.md # ## Test it", ".ci/run"));

    /**
     * Blocks that no test runs yet, with the reason. Each is still checked by the static checks below; the
     * list only shrinks.
     */
    static final Map<String, String> NOT_WALKED = Map.of();

    @Test
    void everyShellBlockIsRunByATestOrListedAsNotYetRun() throws IOException {
        List<String> problems = new ArrayList<>();
        Set<String> used = new java.util.HashSet<>();
        for (Command c : commands()) {
            String doc = c.doc().toString().replace('\\', '/');
            if (NOT_WALKED.containsKey(doc)) {
                used.add(doc);
                continue;
            }
            String walker = null;
            for (int i = c.headings().size() - 1; i >= 0 && walker == null; i--) {
                String key = doc + " # " + c.headings().get(i);
                walker = WALKED.get(key);
                if (walker != null) {
                    used.add(key);
                }
            }
            if (walker == null) {
                problems.add(doc + " " + c.headings() + ": `" + c.text() + "` is run by no test");
            }
        }
        for (Map.Entry<String, String> e : WALKED.entrySet()) {
            String[] key = e.getKey().split(" # ", 2);
            Path walker = ROOT.resolve(e.getValue());
            if (!Files.isRegularFile(walker)) {
                problems.add("no file " + e.getValue());
                continue;
            }
            String source = Files.readString(walker);
            String heading = key[1].replaceFirst("^#+ ", "");
            if (!e.getValue().equals(".ci/run") && !(source.contains(key[0]) && source.contains(heading))) {
                problems.add(e.getValue() + " does not name " + key[0] + " and '" + heading + "'");
            }
            if (e.getValue().equals(".ci/run") && !source.contains("./mvnw -B verify")) {
                problems.add(".ci/run does not run ./mvnw -B verify");
            }
        }
        Set<String> stale = new java.util.TreeSet<>(WALKED.keySet());
        stale.addAll(NOT_WALKED.keySet());
        stale.removeAll(used);
        assertThat(stale).as("entries for blocks that no longer exist").isEmpty();
        NOT_WALKED.forEach((doc, why) -> System.out.println("not run by a test yet: " + doc + " (" + why + ")"));
        assertThat(problems).isEmpty();
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
