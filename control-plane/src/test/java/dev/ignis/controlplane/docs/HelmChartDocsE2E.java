package dev.ignis.controlplane.docs;

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
 * helm/ignis/README.md as written, with bash, against Fabric8's mock API server: the two {@code helm install}
 * lines (alternatives: each on a cluster of its own) through helm-java ({@link HelmCli}), the CRD applied with
 * the real kubectl (server-side), the CRD copy refreshed from the build's output, the Maven lines checked
 * against what this build made. The only change to the text: the {@code cp} writes into a temporary folder,
 * which is then compared with the chart's copy (so the test never edits the repository).
 */
class HelmChartDocsE2E {

    private static final Path ROOT = Path.of(System.getProperty("ignis.repo.dir", "..")).toAbsolutePath().normalize();
    private static final String CRD = "inferencedeployments.ignis.dev-v1.yml";

    @TempDir
    Path dir;

    private MockKubernetes kube;
    private MockKubernetes other;

    @AfterEach
    void stop() {
        if (kube != null) {
            kube.close();
        }
        if (other != null) {
            other.close();
        }
    }

    @Test
    void theChartReadmeRunsAsWritten() throws Exception {
        kube = new MockKubernetes();
        other = new MockKubernetes();
        Path copies = Files.createDirectories(dir.resolve("crds"));
        Path kubeconfig = kube.writeKubeconfig(Files.createDirectories(dir.resolve("external")));
        Map<String, String> environment = Map.of("KUBECONFIG", kubeconfig.toString());
        DocScript doc = new DocScript(ROOT, Path.of("helm/ignis/README.md"), "# The Ignis Helm chart", environment)
                .rewrite(CRD + " helm/ignis/crds/", CRD + " " + copies + "/");

        // The install with an external database, then ("or") the one with PostgreSQL in the cluster, on a
        // cluster of its own.
        HelmCli helm = new HelmCli(ROOT, kubeconfig);
        doc.next("--set database.external.existingSecret=ignis-database", step -> assertThat(helm.run(step.command())
                .output()).contains("STATUS: deployed", "REVISION: 1"));
        assertThat(kube.client().configMaps().inNamespace("ignis-system").withName("ignis-control-plane").get().getData())
                .containsEntry("IGNIS_DB_URL", "jdbc:postgresql://db.example.com:5432/ignis");
        assertThat(kube.client().apps().statefulSets().inNamespace("ignis-system").list().getItems()).isEmpty();
        HelmCli inCluster = new HelmCli(ROOT, other.writeKubeconfig(Files.createDirectories(dir.resolve("in-cluster"))));
        doc.next("--set database.inCluster.enabled=true", step -> assertThat(inCluster.run(step.command()).output())
                .contains("STATUS: deployed", "REVISION: 1"));
        assertThat(other.client().apps().statefulSets().inNamespace("ignis-system").withName("ignis-postgresql").get())
                .as("the in-cluster PostgreSQL").isNotNull();
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
