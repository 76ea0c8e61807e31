package dev.ignis.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.ignis.crd.v1alpha1.InferenceDeployment;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The chart as a whole: it lints and renders in every tested configuration, its CRD is the generated one. */
class HelmChartLintTest {

    static final String GENERATED_CRD = "/META-INF/fabric8/inferencedeployments.ignis.dev-v1.yml";
    static final Path CHART_CRD = HelmChart.DIR.resolve("crds/inferencedeployments.ignis.dev-v1.yml");

    static Stream<Path> ciValuesFiles() {
        return HelmChart.ciValuesFiles().stream();
    }

    @Test
    void chartLintsStrictlyWithItsDefaults() {
        LintResult result = HelmChart.lint(null, null);
        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void chartLintsStrictlyWithEachCiValuesFile(Path valuesFile, @TempDir Path work) {
        LintResult result = HelmChart.lint(valuesFile, work);
        assertThat(result.isFailed()).as("helm lint --strict -f %s: %s", valuesFile, result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @Test
    void everyConfigurationTheTestsUseHasACiValuesFile() {
        assertThat(HelmChart.ciValuesFiles()).extracting(p -> p.getFileName().toString()).contains(
                "in-cluster-postgres-values.yaml", "namespaced-values.yaml", "existing-secrets-values.yaml",
                "single-operator-values.yaml");
    }

    @ParameterizedTest
    @MethodSource("ciValuesFiles")
    void eachCiValuesFileRendersObjectsThatParse(Path valuesFile) {
        HelmChart.Rendered rendered = HelmChart.render(valuesFile, Map.of());
        assertThat(rendered.objects()).isNotEmpty();
        assertThat(rendered.objects()).allSatisfy(o -> {
            assertThat(o.getApiVersion()).as("apiVersion of %s", o).isNotBlank();
            assertThat(o.getMetadata().getName()).as("name of a %s", o.getKind()).isNotBlank();
        });
        assertThat(rendered.names()).as("one object per kind and name").hasSize(rendered.objects().size());
    }

    @Test
    void chartCrdIsTheOneGeneratedFromTheOperatorClasses() throws IOException {
        JsonNode generated;
        try (InputStream in = InferenceDeployment.class.getResourceAsStream(GENERATED_CRD)) {
            assertThat(in).as("%s on the class path (from ignis-crd)", GENERATED_CRD).isNotNull();
            generated = HelmChart.YAML.readTree(in);
        }
        JsonNode copy = HelmChart.readYaml(CHART_CRD);
        assertThat(copy)
                .withFailMessage("""
                        helm/ignis/crds/inferencedeployments.ignis.dev-v1.yml differs from the CRD generated from \
                        operator/crd. Refresh the chart's copy with:
                          ./mvnw -B -q -pl operator/crd -am package -DskipTests
                          cp operator/crd/target/classes/META-INF/fabric8/inferencedeployments.ignis.dev-v1.yml \
                        helm/ignis/crds/""")
                .isEqualTo(generated);
    }

    @Test
    void chartInstallsOnlyTheInferenceDeploymentCrd() throws IOException {
        try (Stream<Path> files = Files.list(HelmChart.DIR.resolve("crds"))) {
            assertThat(files.map(f -> f.getFileName().toString()).toList())
                    .containsExactly("inferencedeployments.ignis.dev-v1.yml");
        }
        JsonNode crd = HelmChart.readYaml(CHART_CRD);
        assertThat(crd.at("/spec/group").asText()).isEqualTo(HasMetadata.getGroup(InferenceDeployment.class));
        assertThat(crd.at("/spec/names/plural").asText()).isEqualTo(HasMetadata.getPlural(InferenceDeployment.class));
    }

    @Test
    void notesTellHowToGetTheKeyPortForwardAndCallTheApi() {
        String notes = notes(Map.of());
        assertThat(notes)
                .contains("kubectl -n ignis-system get secret ignis-control-plane-admin-key")
                .contains("{.data.admin-key}")
                .contains("kubectl -n ignis-system port-forward service/ignis-control-plane 8080:8080")
                .contains("curl -s -H \"Authorization: Bearer $IGNIS_KEY\" localhost:8080/v1/models")
                .contains("kubectl -n ignis-system create secret generic ignis-database")
                .contains("every namespace");
    }

    @Test
    void notesFollowTheValues() {
        String notes = notes(Map.of("database.inCluster.enabled", true,
                "controlPlane.adminKey.existingSecret", "my-admin", "controlPlane.adminKey.secretKey", "token",
                "operator.watchNamespaces[0]", "ignis-system"));
        assertThat(notes)
                .contains("get secret my-admin", "{.data.token}", "in-cluster PostgreSQL ignis-postgresql",
                        "namespaces ignis-system")
                .doesNotContain("create secret generic");
    }

    /** NOTES.txt as `helm install --dry-run=client` prints it (helm template does not render notes). */
    private static String notes(Map<String, Object> sets) {
        var install = new Helm(HelmChart.DIR).install().withName(HelmChart.RELEASE)
                .withNamespace(HelmChart.NAMESPACE).dryRun().withDryRunOption(DryRun.CLIENT).clientOnly();
        for (var set : sets.entrySet()) {
            install = install.set(set.getKey(), set.getValue());
        }
        String output = install.call().getOutput();
        int start = output.indexOf("NOTES:");
        assertThat(start).as("NOTES in %s", output).isNotNegative();
        return output.substring(start);
    }
}
