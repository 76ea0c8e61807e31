package dev.ignis.operator.inferencedeployment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.operator.testing.MockKubernetes;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The examples users apply and deliberately broken fixtures, checked the way an API server would check them:
 * the generated CRD's OpenAPI schema (types, enums, patterns, bounds, required fields, unknown fields as with
 * kubectl's strict field validation), then the rules the operator enforces (the CEL rules of the schema,
 * which need a real API server to run).
 */
class FixturesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final JsonNode CRD_SCHEMA = JSON.valueToTree(MockKubernetes.generatedCrd().getSpec().getVersions()
            .getFirst().getSchema().getOpenAPIV3Schema());
    private static final Schema SCHEMA = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
            .getSchema(CRD_SCHEMA.toString(), InputFormat.JSON);

    static Stream<Path> examples() {
        return Fixtures.examples().stream().filter(FixturesTest::isInferenceDeployment);
    }

    private static boolean isInferenceDeployment(Path p) {
        try {
            return Files.readString(p).contains("kind: InferenceDeployment");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everyExampleIsValidAndRoundTrips(Path file) throws IOException {
        JsonNode original = YAML.readTree(Files.readString(file));
        assertThat(schemaErrors(original)).as(file + " against the CRD schema").isEmpty();

        InferenceDeployment parsed = Serialization.unmarshal(Files.readString(file), InferenceDeployment.class);
        assertThat(SpecValidator.problems(parsed)).as(file + " operator rules").isEmpty();

        InferenceDeployment again = Serialization.unmarshal(Serialization.asYaml(parsed), InferenceDeployment.class);
        assertThat(Serialization.asJson(again)).isEqualTo(Serialization.asJson(parsed));
        // Nothing the user wrote is lost on the way through the classes.
        assertThat(missingIn(original, JSON.valueToTree(parsed))).as(file + " fields lost").isEmpty();
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("unknown-quantization.yaml", "schema", "quantization"),
                Arguments.of("unknown-field.yaml", "schema", "replica"),
                Arguments.of("auth-missing.yaml", "schema", "auth"),
                Arguments.of("min-above-max.yaml", "operator", "spec.replicas.min (3) must not exceed"),
                Arguments.of("host-bits.yaml", "operator", "spec.allowedSourceRanges[0]"),
                Arguments.of("ftp-uri.yaml", "operator", "spec.model.uri must be an http(s):// or file:/// URI"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void invalidFixturesAreRejectedWithTheField(String file, String by, String mentioned) throws IOException {
        String yaml = Files.readString(Path.of("src/test/resources/fixtures/invalid", file));
        List<String> errors = schemaErrors(YAML.readTree(yaml));
        if (by.equals("schema")) {
            assertThat(errors).as(file).anyMatch(e -> e.contains(mentioned));
        } else {
            assertThat(errors).as(file + " passes the schema; a CEL rule catches it on a real API server").isEmpty();
            InferenceDeployment parsed = Serialization.unmarshal(yaml, InferenceDeployment.class);
            assertThat(SpecValidator.problems(parsed)).as(file).anyMatch(e -> e.contains(mentioned));
        }
    }

    private static List<String> schemaErrors(JsonNode resource) {
        List<String> errors = new ArrayList<>();
        SCHEMA.validate(resource.toString(), InputFormat.JSON).forEach(e -> errors.add(e.toString()));
        unknownFields(resource, CRD_SCHEMA, "", errors);
        return errors;
    }

    /** kubectl's default strict field validation: a field the schema does not declare is an error. */
    private static void unknownFields(JsonNode value, JsonNode schema, String path, List<String> errors) {
        if (value.isObject()) {
            if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                return;
            }
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.path("additionalProperties");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                var field = it.next();
                if (path.isEmpty() && List.of("apiVersion", "kind", "metadata").contains(field.getKey())) {
                    continue;
                }
                if (properties.has(field.getKey())) {
                    unknownFields(field.getValue(), properties.get(field.getKey()), path + "." + field.getKey(),
                            errors);
                } else if (additional.isObject()) {
                    unknownFields(field.getValue(), additional, path + "." + field.getKey(), errors);
                } else {
                    errors.add(path + "." + field.getKey() + ": unknown field \"" + field.getKey() + "\"");
                }
            }
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                unknownFields(value.get(i), schema.get("items"), path + "[" + i + "]", errors);
            }
        }
    }

    /** Paths present in the original and absent after parsing (defaults may add, never remove). */
    private static List<String> missingIn(JsonNode original, JsonNode parsed) {
        List<String> missing = new ArrayList<>();
        collectMissing(original, parsed, "", missing);
        return missing;
    }

    private static void collectMissing(JsonNode original, JsonNode parsed, String path, List<String> missing) {
        if (original.isObject()) {
            original.fields().forEachRemaining(f -> {
                if (!parsed.has(f.getKey())) {
                    missing.add(path + "." + f.getKey());
                } else {
                    collectMissing(f.getValue(), parsed.get(f.getKey()), path + "." + f.getKey(), missing);
                }
            });
        } else if (original.isValueNode() && !original.asText().equals(parsed.asText())) {
            missing.add(path + " (" + original.asText() + " became " + parsed.asText() + ")");
        }
    }
}
