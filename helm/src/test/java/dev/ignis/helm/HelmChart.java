package dev.ignis.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The chart in {@code helm/ignis}, linted and rendered by the helm that helm-java bundles (in-process, no
 * cluster), and its output parsed into Fabric8 objects.
 */
final class HelmChart {

    /** The chart, relative to the module directory (Surefire's working directory). */
    static final Path DIR = Path.of("ignis").toAbsolutePath();
    static final String RELEASE = "ignis";
    static final String NAMESPACE = "ignis-system";

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private HelmChart() {
    }

    /** The chart's appVersion, which every Ignis image tag defaults to. */
    static String appVersion() {
        return readYaml(DIR.resolve("Chart.yaml")).get("appVersion").asText();
    }

    /** The values files under ci/, each a configuration the tests lint and render. */
    static List<Path> ciValuesFiles() {
        try (Stream<Path> files = Files.list(DIR.resolve("ci"))) {
            return files.filter(f -> f.getFileName().toString().endsWith("-values.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "default" and every ci/*-values.yaml: the configurations every rendering check runs on. */
    static Stream<String> configurations() {
        return Stream.concat(Stream.of("default"),
                ciValuesFiles().stream().map(f -> "ci/" + f.getFileName()));
    }

    /** Renders one of {@link #configurations()}. */
    static Rendered render(String configuration) {
        return configuration.equals("default") ? render() : render(DIR.resolve(configuration), Map.of());
    }

    /** Renders with the default values plus, in order, the given values file (may be null) and --set pairs. */
    static Rendered render(Path valuesFile, Map<String, Object> sets) {
        return Rendered.parse(template(valuesFile, sets).call());
    }

    private static TemplateCommand template(Path valuesFile, Map<String, Object> sets) {
        StubKubernetesApi.start();
        TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE);
        if (valuesFile != null) {
            template = template.withValuesFile(valuesFile);
        }
        for (var set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return template;
    }

    static Rendered render(Map<String, Object> sets) {
        return render(null, sets);
    }

    static Rendered render() {
        return render(null, Map.of());
    }

    /** The error helm reports when rendering fails, or a failed assertion when it renders. */
    static String renderError(Map<String, Object> sets) {
        String output;
        try {
            output = template(null, sets).call();
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected helm template to fail with " + sets + ", but it rendered:\n" + output);
    }

    static String renderError(String key, Object value) {
        return renderError(Map.of(key, value));
    }

    /**
     * Lints the chart with the default values merged with a values file, as {@code helm lint -f file} would.
     * helm-java's lint takes no values file, so the merged values are written into a copy of the chart.
     */
    static LintResult lint(Path valuesFile, Path workDir) {
        StubKubernetesApi.start();
        if (valuesFile == null) {
            return new Helm(DIR).lint().strict().call();
        }
        Path copy = workDir.resolve("ignis");
        try {
            copyTree(DIR, copy);
            ObjectNode merged = (ObjectNode) readYaml(DIR.resolve("values.yaml"));
            merge(merged, readYaml(valuesFile));
            YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Helm(copy).lint().strict().call();
    }

    static JsonNode readYaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Helm's merge of values: maps merge key by key, everything else (lists included) is replaced. */
    private static void merge(ObjectNode target, JsonNode overlay) {
        for (Iterator<Map.Entry<String, JsonNode>> it = overlay.properties().iterator(); it.hasNext(); ) {
            var field = it.next();
            JsonNode existing = target.get(field.getKey());
            if (existing instanceof ObjectNode existingObject && field.getValue().isObject()) {
                merge(existingObject, field.getValue());
            } else {
                target.set(field.getKey(), field.getValue());
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
    }

    /** The objects of one rendering, in the order helm printed them. */
    record Rendered(String manifest, List<HasMetadata> objects) {

        static Rendered parse(String manifest) {
            List<HasMetadata> objects = new ArrayList<>();
            for (String document : manifest.split("(?m)^---\\s*$")) {
                boolean empty = document.lines().map(String::strip)
                        .allMatch(line -> line.isEmpty() || line.startsWith("#"));
                if (!empty) {
                    objects.add(Serialization.unmarshal(document, HasMetadata.class));
                }
            }
            return new Rendered(manifest, List.copyOf(objects));
        }

        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T extends HasMetadata> T one(Class<T> type, String name) {
            List<T> matching = all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).toList();
            if (matching.size() != 1) {
                throw new AssertionError("expected one " + type.getSimpleName() + " named " + name + ", found "
                        + matching.size() + " among " + names());
            }
            return matching.getFirst();
        }

        boolean has(Class<? extends HasMetadata> type, String name) {
            return all(type).stream().anyMatch(o -> o.getMetadata().getName().equals(name));
        }

        /** kind/namespace/name of every object (the namespace empty for cluster-scoped ones). */
        Set<String> names() {
            Set<String> names = new LinkedHashSet<>();
            for (HasMetadata o : objects) {
                String namespace = o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace();
                names.add(o.getKind() + "/" + namespace + "/" + o.getMetadata().getName());
            }
            return names;
        }
    }
}
