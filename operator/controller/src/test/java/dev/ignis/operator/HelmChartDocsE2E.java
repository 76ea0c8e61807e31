package dev.ignis.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.operator.testing.MockKubernetes;
import dev.ignis.testing.docs.DocScript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * helm/ignis/README.md as written, with bash: the CRD applied with the real kubectl (server-side) to Fabric8's
 * mock API server, the CRD copy refreshed from the build's output, the Maven lines checked against what this
 * build made. The two {@code helm install} lines need a cluster; {@code HelmDocsCommandsTest} (helm module)
 * runs each with {@code --dry-run=client}. Changes to the text: {@code kubectl apply} gets
 * {@code --validate=false} (the mock publishes no OpenAPI schema), and the {@code cp} writes into a temporary
 * folder, which is then compared with the chart's copy (so the test never edits the repository).
 */
class HelmChartDocsE2E {

    private static final Path ROOT = Path.of(System.getProperty("ignis.repo.dir", "../..")).toAbsolutePath().normalize();
    private static final String CRD = "inferencedeployments.ignis.dev-v1.yml";

    @TempDir
    Path dir;

    private MockKubernetes kube;

    @AfterEach
    void stop() {
        if (kube != null) {
            kube.close();
        }
    }

    @Test
    void theChartReadmeRunsAsWritten() throws Exception {
        kube = new MockKubernetes();
        Path copies = Files.createDirectories(dir.resolve("crds"));
        Map<String, String> environment = Map.of("KUBECONFIG", kube.writeKubeconfig(dir).toString());
        DocScript doc = new DocScript(ROOT, Path.of("helm/ignis/README.md"), "# The Ignis Helm chart", environment)
                .rewrite("kubectl apply --server-side", "kubectl apply --validate=false --server-side")
                .rewrite(CRD + " helm/ignis/crds/", CRD + " " + copies + "/");

        doc.skip("helm install ignis helm/ignis", "needs a cluster; HelmDocsCommandsTest runs it with --dry-run=client");
        doc.skip("helm install ignis helm/ignis", "needs a cluster; HelmDocsCommandsTest runs it with --dry-run=client");
        assertThat(doc.run("kubectl apply --server-side -f helm/ignis/crds/"))
                .contains("customresourcedefinition.apiextensions.k8s.io/inferencedeployments.ignis.dev serverside-applied");
        assertThat(kube.client().apiextensions().v1().customResourceDefinitions()
                .withName("inferencedeployments.ignis.dev").get()).isNotNull();
        doc.next("./mvnw -B -pl helm -am verify -Dtest='HelmChart*'", step -> {
            try (Stream<Path> tests = Files.list(ROOT.resolve("helm/src/test/java/dev/ignis/helm"))) {
                assertThat(tests.map(p -> p.getFileName().toString()))
                        .as("the chart tests this build runs").anyMatch(f -> f.matches("HelmChart.*Test\\.java"));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        });
        doc.next("./mvnw -B -q -pl operator/crd -am package", step -> assertThat(
                ROOT.resolve("operator/crd/target/classes/META-INF/fabric8/" + CRD)).as("built by this build").exists());
        doc.run("cp operator/crd/target/classes/META-INF/fabric8/" + CRD);
        assertThat(Files.readString(copies.resolve(CRD))).as("the chart's CRD is the generated one")
                .isEqualTo(Files.readString(ROOT.resolve("helm/ignis/crds/" + CRD)));
        doc.end();
    }
}
