package dev.ignis.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ignis.operator.testing.MockKubernetes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * docs/reference/inferencedeployment.md is generated from the CRD the build generates from the classes: this
 * test renders it again and fails when the committed page differs (the fresh page is left in
 * target/inferencedeployment.md; copy it over).
 */
class CrdReferenceTest {

    static final Path COMMITTED = Path.of(System.getProperty("ignis.docs.dir", "../../docs"), "reference",
            "inferencedeployment.md");
    /** Kubernetes' own types: named, not expanded (their reference is Kubernetes'). */
    static final Set<String> KUBERNETES_TYPES = Set.of(".spec.resources", ".spec.tolerations[]",
            ".status.conditions[]");

    @Test
    void referencePageMatchesTheGeneratedCrd() throws IOException {
        var crd = MockKubernetes.generatedCrd();
        var version = crd.getSpec().getVersions().getFirst();
        JsonNode schema = new ObjectMapper().valueToTree(version.getSchema().getOpenAPIV3Schema());
        StringBuilder page = new StringBuilder();
        page.append("# `InferenceDeployment` reference\n\n")
                .append("<!-- Generated from the CRD the build generates from operator/crd (CrdReferenceTest); do not edit. -->\n\n")
                .append("`apiVersion: ").append(crd.getSpec().getGroup()).append('/').append(version.getName())
                .append("`, `kind: ").append(crd.getSpec().getNames().getKind()).append("`, namespaced, short name `")
                .append(String.join("`, `", crd.getSpec().getNames().getShortNames())).append("`. Subresources: ")
                .append("`status`, and `scale` (`").append(version.getSubresources().getScale().getSpecReplicasPath())
                .append("` ← `kubectl scale`). `kubectl get infd` shows ");
        List<String> columns = new ArrayList<>();
        version.getAdditionalPrinterColumns().forEach(c -> columns.add(c.getName() + " (`" + c.getJsonPath() + "`)"));
        page.append(String.join(", ", columns)).append(".\n\n");
        for (String part : List.of("spec", "status")) {
            page.append("## `").append(part).append("`\n\n")
                    .append("| field | type | description | validation |\n| --- | --- | --- | --- |\n");
            walk(schema.path("properties").path(part), "." + part, page);
            page.append('\n');
        }
        String fresh = page.toString();
        Path generated = Path.of("target", "inferencedeployment.md");
        Files.createDirectories(generated.getParent());
        Files.writeString(generated, fresh);
        assertThat(COMMITTED).as("the committed CRD reference").exists();
        assertThat(Files.readString(COMMITTED))
                .as("docs/reference/inferencedeployment.md is stale: copy operator/controller/target/inferencedeployment.md over it")
                .isEqualTo(fresh);
    }

    private static void walk(JsonNode node, String path, StringBuilder page) {
        JsonNode properties = node.path("properties");
        List<String> required = new ArrayList<>();
        node.path("required").forEach(r -> required.add(r.asText()));
        for (var it = properties.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            JsonNode field = properties.get(name);
            String fieldPath = path + "." + name;
            String type = field.path("type").asText("object");
            JsonNode items = field.path("items");
            if (type.equals("array")) {
                type = "array of " + items.path("type").asText("object");
            } else if (field.has("additionalProperties")) {
                type = "map of " + field.path("additionalProperties").path("type").asText("object");
            } else if (field.path("x-kubernetes-int-or-string").asBoolean()) {
                type = "integer or string";
            }
            List<String> rules = new ArrayList<>();
            if (required.contains(name)) {
                rules.add("required");
            }
            if (field.has("enum")) {
                List<String> values = new ArrayList<>();
                field.path("enum").forEach(v -> values.add("`" + v.asText() + "`"));
                rules.add("one of " + String.join(", ", values));
            }
            if (field.has("pattern")) {
                rules.add("pattern `" + field.path("pattern").asText() + "`");
            }
            if (field.has("minimum")) {
                rules.add("≥ " + field.path("minimum").asLong());
            }
            if (field.has("maximum")) {
                rules.add("≤ " + field.path("maximum").asLong());
            }
            if (field.has("maxItems")) {
                rules.add("at most " + field.path("maxItems").asLong() + " items");
            }
            field.path("x-kubernetes-validations").forEach(v -> rules.add("CEL `" + v.path("rule").asText()
                    + "`: " + v.path("message").asText()));
            page.append("| `").append(fieldPath).append("` | ").append(type).append(" | ")
                    .append(field.path("description").asText("").replace("|", "\\|").replace("\n", " "))
                    .append(" | ").append(String.join("; ", rules).replace("|", "\\|")).append(" |\n");
            String childPath = type.startsWith("array") ? fieldPath + "[]" : fieldPath;
            JsonNode child = type.startsWith("array") ? items : field;
            if (!KUBERNETES_TYPES.contains(childPath) && child.has("properties")) {
                walk(child, childPath, page);
            }
        }
    }
}
