package dev.ignis.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** values.yaml, values.schema.json and the chart's README describe the same values. */
class HelmChartValuesTest {

    static final Path VALUES = HelmChart.DIR.resolve("values.yaml");
    static final Path README = HelmChart.DIR.resolve("README.md");
    static final Pattern KEY = Pattern.compile("^( *)([A-Za-z][A-Za-z0-9]*):");
    static final Pattern COMMENTED_KEY = Pattern.compile("^( *)# ([A-Za-z][A-Za-z0-9]*): ");

    @Test
    void everyValueHasACommentAboveIt() throws IOException {
        JsonNode schema = HelmChart.readYaml(HelmChart.DIR.resolve("values.schema.json"));
        List<String> lines = Files.readAllLines(VALUES);
        Deque<String[]> path = new ArrayDeque<>(); // (indent, key), innermost first
        List<String> uncommented = new ArrayList<>();
        int checked = 0;
        for (int i = 0; i < lines.size(); i++) {
            Matcher key = KEY.matcher(lines.get(i));
            if (!key.find()) {
                continue;
            }
            int indent = key.group(1).length();
            while (!path.isEmpty() && Integer.parseInt(path.peek()[0]) >= indent) {
                path.pop();
            }
            List<String> segments = new ArrayList<>(path.stream().map(p -> p[1]).toList().reversed());
            segments.add(key.group(2));
            path.push(new String[] {String.valueOf(indent), key.group(2)});
            JsonNode parent = schemaAt(schema, segments.subList(0, segments.size() - 1));
            if (parent == null || !parent.has("properties")) {
                continue; // inside a free-form value such as resources: Kubernetes' own fields
            }
            checked++;
            String previous = i == 0 ? "" : lines.get(i - 1).strip();
            if (!previous.startsWith("#")) {
                uncommented.add(String.join(".", segments) + " (line " + (i + 1) + ")");
            }
        }
        assertThat(checked).as("keys checked").isGreaterThan(40);
        assertThat(uncommented).as("values.yaml keys without a comment on the line above").isEmpty();
    }

    @Test
    void everySchemaPropertyIsInValuesYaml() throws IOException {
        JsonNode schema = HelmChart.readYaml(HelmChart.DIR.resolve("values.schema.json"));
        JsonNode values = HelmChart.readYaml(VALUES);
        String text = Files.readString(VALUES);
        List<String> missing = new ArrayList<>();
        for (List<String> property : properties(schema, List.of())) {
            JsonNode value = values;
            for (String segment : property) {
                value = value == null ? null : value.get(segment);
            }
            String last = property.getLast();
            // Optional keys with a computed default (image tags) are shown commented out: "# tag: ...".
            boolean commentedOut = text.lines().anyMatch(l -> COMMENTED_KEY.matcher(l).find()
                    && l.strip().startsWith("# " + last + ":"));
            if (value == null && !commentedOut) {
                missing.add(String.join(".", property));
            }
        }
        assertThat(missing).as("schema properties absent from values.yaml").isEmpty();
    }

    @Test
    void readmeValuesTableListsEverySchemaProperty() throws IOException {
        JsonNode schema = HelmChart.readYaml(HelmChart.DIR.resolve("values.schema.json"));
        String readme = Files.readString(README);
        List<String> missing = new ArrayList<>();
        for (List<String> property : properties(schema, List.of())) {
            JsonNode node = schemaAt(schema, property);
            if (node.has("properties")) {
                continue; // a group: its leaves are listed
            }
            String name = String.join(".", property);
            if (!readme.contains("| `" + name + "` |")) {
                missing.add(name);
            }
        }
        assertThat(missing).as("values missing from the table in helm/ignis/README.md").isEmpty();
    }

    /** Every property path of the schema, groups and leaves. */
    static List<List<String>> properties(JsonNode schema, List<String> prefix) {
        List<List<String>> paths = new ArrayList<>();
        if (!schema.has("properties")) {
            return paths;
        }
        for (var field : schema.get("properties").properties()) {
            List<String> path = new ArrayList<>(prefix);
            path.add(field.getKey());
            paths.add(path);
            paths.addAll(properties(field.getValue(), path));
        }
        return paths;
    }

    static JsonNode schemaAt(JsonNode schema, List<String> path) {
        JsonNode node = schema;
        for (String segment : path) {
            node = node.path("properties").get(segment);
            if (node == null) {
                return null;
            }
        }
        return node;
    }
}
