package dev.ignis.controlplane.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ignis.controlplane.testing.PostgresTestResource;
import dev.ignis.operator.testing.MockKubernetes;
import dev.ignis.testing.docs.DocScript;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/how-to/install-with-helm.md as written, against Fabric8's mock API server (the reader's cluster is a
 * kubeconfig for it): the {@code helm} lines by the helm that helm-java bundles ({@link HelmCli}: real installs
 * and upgrades, CRD and release Secrets included, {@code lookup} reading what the cluster holds), the {@code
 * kubectl} and {@code curl} lines with bash. Each way to install gets its own cluster, as each is a reader's
 * first install: "Try it out: PostgreSQL in the cluster", then on that cluster "First steps" and "Upgrade and
 * uninstall"; "Production: your own PostgreSQL" and "Restrict the operator to some namespaces" on their own.
 *
 * <p>Nothing runs pods here, so the test plays the deployment controller and the kubelet ({@link Kubelet}):
 * the operator's pods are marked Running and Ready without running; the control plane's pod is the packaged
 * control plane run on this machine with the environment its Deployment gives it, with what cannot exist
 * here substituted (its address, the database, the in-cluster API server: see {@link Kubelet}); its
 * readiness probe decides when the Deployment is rolled out. {@code kubectl port-forward} then really
 * forwards to that process through the mock server. Changes to the text: the local port of the port-forward
 * and the curl is a free one instead of 8080, {@code kubectl apply} gets {@code --validate=false} and helm
 * skips OpenAPI validation (the mock publishes no OpenAPI schema), and the password placeholder is a word.
 * "Check the chart without a cluster" is this build's own command: the test checks the chart tests it names.
 */
class HelmInstallDocsE2E {

    private static final Path ROOT = Path.of(System.getProperty("ignis.repo.dir", "..")).toAbsolutePath().normalize();
    private static final Path DOC = Path.of("docs/how-to/install-with-helm.md");
    private static final String NS = "ignis-system";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private Process portForward;
    private PostgresTestResource postgres;

    @AfterEach
    void stop() throws Exception {
        if (portForward != null) {
            DocScript.stop(portForward);
        }
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
        if (postgres != null) {
            postgres.stop();
        }
    }

    private MockKubernetes cluster() {
        MockKubernetes kube = new MockKubernetes();
        resources.add(kube);
        return kube;
    }

    private Map<String, String> environment(MockKubernetes kube, String name) throws IOException {
        return Map.of("KUBECONFIG", kube.writeKubeconfig(Files.createDirectories(dir.resolve(name))).toString());
    }

    @Test
    void tryItOutThenFirstStepsThenUpgrade() throws Exception {
        MockKubernetes kube = cluster();
        KubernetesClient client = kube.client();
        Map<String, String> environment = environment(kube, "try-it-out");
        HelmCli helm = new HelmCli(ROOT, Path.of(environment.get("KUBECONFIG")));

        DocScript tryIt = new DocScript(ROOT, DOC, "## Try it out: PostgreSQL in the cluster", environment);
        String[] notes = new String[1];
        tryIt.next("helm install ignis helm/ignis --namespace ignis-system --create-namespace",
                step -> notes[0] = helm.run(step.command()).output());
        tryIt.end();
        assertThat(notes[0]).contains("NAMESPACE: " + NS, "STATUS: deployed", "REVISION: 1", "NOTES:",
                "kubectl -n ignis-system rollout status deployment/ignis-control-plane");
        assertThat(client.apiextensions().v1().customResourceDefinitions().withName("inferencedeployments.ignis.dev")
                .get()).as("the chart's CRD, installed by helm").isNotNull();
        assertThat(client.apps().statefulSets().inNamespace(NS).withName("ignis-postgresql").get()).isNotNull();
        String adminKey = secret(client, "ignis-control-plane-admin-key", "admin-key");
        String dbPassword = secret(client, "ignis-postgresql", "password");
        assertThat(adminKey).as("generated at install").hasSizeGreaterThanOrEqualTo(32);

        // The deployment controller and the kubelet.
        Kubelet kubelet = new Kubelet(kube, dir);
        resources.add(kubelet);
        kubelet.markRunning(NS, "ignis-operator");
        postgres = new PostgresTestResource();
        Map<String, String> db = postgres.start();
        kubelet.runControlPlane(NS, "ignis-control-plane", Map.of("IGNIS_DB_URL", db.get("ignis.db.url"),
                "IGNIS_DB_USER", db.get("ignis.db.user"), "IGNIS_DB_PASSWORD", db.get("ignis.db.password")));

        int local = DocScript.freePort();
        DocScript first = new DocScript(ROOT, DOC, "## First steps", environment)
                .rewrite("8080:8080", local + ":8080").rewrite("localhost:8080", "localhost:" + local);
        assertThat(first.run("kubectl -n ignis-system rollout status deployment/ignis-operator"))
                .contains("deployment \"ignis-operator\" successfully rolled out");
        assertThat(first.run("kubectl -n ignis-system rollout status deployment/ignis-control-plane"))
                .contains("deployment \"ignis-control-plane\" successfully rolled out");
        first.export("export IGNIS_KEY=$(kubectl -n ignis-system get secret ignis-control-plane-admin-key", Map.of(),
                Map.of());
        assertThat(first.execute("printf %s \"$IGNIS_KEY\"", Duration.ofSeconds(30)).out())
                .as("the key the control plane was given").isEqualTo(adminKey);
        Path log = dir.resolve("port-forward.log");
        portForward = first.startServer("kubectl -n ignis-system port-forward service/ignis-control-plane", log);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.readString(log).contains("Forwarding from 127.0.0.1:" + local + " -> 8080")) {
            assertThat(portForward.isAlive()).as("kubectl port-forward:\n%s", Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("kubectl port-forward listening:\n%s", Files.readString(log))
                    .isLessThan(deadline);
            DocScript.sleep(Duration.ofMillis(200));
        }
        JsonNode models = JSON.readTree(first.run("curl -s -H \"Authorization: Bearer $IGNIS_KEY\" localhost:8080/v1/models"));
        assertThat(models.path("models").isArray()).as("the catalog, through port-forward: %s", models).isTrue();
        assertThat(models.path("models")).isNotEmpty();
        first.end();
        assertThat(Files.readString(log)).contains("Handling connection for " + local);

        Map<String, String> podAnnotations = client.apps().deployments().inNamespace(NS).withName("ignis-control-plane")
                .get().getSpec().getTemplate().getMetadata().getAnnotations();
        DocScript upgrade = new DocScript(ROOT, DOC, "## Upgrade and uninstall", environment);
        assertThat(upgrade.run("kubectl apply --server-side -f helm/ignis/crds/"))
                .contains("customresourcedefinition.apiextensions.k8s.io/inferencedeployments.ignis.dev serverside-applied");
        String[] upgraded = new String[1];
        upgrade.next("helm upgrade ignis helm/ignis --namespace ignis-system --reuse-values",
                step -> upgraded[0] = helm.run(step.command()).output());
        upgrade.end();
        assertThat(upgraded[0]).contains("STATUS: deployed", "REVISION: 2");
        // "The admin key and the in-cluster database password are kept on upgrade (the chart reads them back)."
        assertThat(secret(client, "ignis-control-plane-admin-key", "admin-key")).isEqualTo(adminKey);
        assertThat(secret(client, "ignis-postgresql", "password")).isEqualTo(dbPassword);
        // The same configuration and key: the checksum annotations do not change, so the pods are not restarted.
        assertThat(client.apps().deployments().inNamespace(NS).withName("ignis-control-plane").get().getSpec()
                .getTemplate().getMetadata().getAnnotations()).as("the control plane's pod annotations")
                .isEqualTo(podAnnotations);
        assertThat(client.apps().statefulSets().inNamespace(NS).withName("ignis-postgresql").get())
                .as("--reuse-values keeps database.inCluster.enabled").isNotNull();

        // The page's `helm uninstall ignis -n ignis-system`: the operator and the control plane go, the CRD stays.
        helm.run("helm uninstall ignis -n ignis-system");
        assertThat(client.apps().deployments().inNamespace(NS).list().getItems()).isEmpty();
        assertThat(client.apiextensions().v1().customResourceDefinitions().withName("inferencedeployments.ignis.dev")
                .get()).as("left by helm uninstall").isNotNull();
    }

    @Test
    void productionInstallUsesYourOwnDatabase() throws Exception {
        MockKubernetes kube = cluster();
        KubernetesClient client = kube.client();
        Map<String, String> environment = environment(kube, "production");
        HelmCli helm = new HelmCli(ROOT, Path.of(environment.get("KUBECONFIG")));

        DocScript production = new DocScript(ROOT, DOC, "## Production: your own PostgreSQL", environment);
        assertThat(production.run("kubectl create namespace ignis-system")).contains("namespace/ignis-system created");
        assertThat(production.run("kubectl -n ignis-system create secret generic ignis-database",
                Map.of("<the password>", "walker-password"))).contains("secret/ignis-database created");
        String[] notes = new String[1];
        production.next("helm install ignis helm/ignis --namespace ignis-system",
                step -> notes[0] = helm.run(step.command()).output());
        production.end();
        assertThat(notes[0]).contains("STATUS: deployed", "jdbc:postgresql://db.example.com:5432/ignis?sslmode=require");

        assertThat(client.configMaps().inNamespace(NS).withName("ignis-control-plane").get().getData())
                .containsEntry("IGNIS_DB_URL", "jdbc:postgresql://db.example.com:5432/ignis?sslmode=require")
                .containsEntry("IGNIS_DB_USER", "ignis");
        EnvVar password = env(client.apps().deployments().inNamespace(NS).withName("ignis-control-plane").get(),
                "IGNIS_DB_PASSWORD");
        assertThat(password.getValueFrom().getSecretKeyRef().getName()).isEqualTo("ignis-database");
        assertThat(secret(client, "ignis-database", password.getValueFrom().getSecretKeyRef().getKey()))
                .isEqualTo("walker-password");
        assertThat(client.apps().statefulSets().inNamespace(NS).list().getItems()).as("no in-cluster database").isEmpty();
    }

    @Test
    void theOperatorCanBeRestrictedToSomeNamespaces() throws Exception {
        MockKubernetes kube = cluster();
        KubernetesClient client = kube.client();
        // "The namespaces must exist": the reader's own, before the install.
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("ignis-models").endMetadata()
                .build()).create();
        Map<String, String> environment = environment(kube, "restricted");
        HelmCli helm = new HelmCli(ROOT, Path.of(environment.get("KUBECONFIG")));

        DocScript restricted = new DocScript(ROOT, DOC, "## Restrict the operator to some namespaces", environment);
        String[] notes = new String[1];
        restricted.next("--set 'operator.watchNamespaces={ignis-models}'",
                step -> notes[0] = helm.run(step.command()).output());
        restricted.end();
        assertThat(notes[0]).contains("STATUS: deployed", "in namespaces ignis-models");

        assertThat(client.rbac().roles().inNamespace("ignis-models").withName("ignis-operator").get())
                .as("the operator's Role in the watched namespace").isNotNull();
        assertThat(client.rbac().clusterRoles().withName("ignis-operator").get()).as("nothing cluster-wide").isNull();
        assertThat(client.configMaps().inNamespace(NS).withName("ignis-control-plane").get().getData())
                .containsEntry("IGNIS_KUBERNETES_NAMESPACE", "ignis-models");
    }

    @Test
    void checkTheChartWithoutAClusterNamesThisBuildsChartTests() throws IOException {
        DocScript check = new DocScript(ROOT, DOC, "## Check the chart without a cluster", Map.of());
        check.next("./mvnw -B -pl helm -am verify -Dtest='HelmChart*'", step -> {
            try (Stream<Path> tests = Files.list(ROOT.resolve("helm/src/test/java/dev/ignis/helm"))) {
                assertThat(tests.map(p -> p.getFileName().toString()))
                        .as("the chart tests this build runs").anyMatch(f -> f.matches("HelmChart.*Test\\.java"));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        check.end();
    }

    private static String secret(KubernetesClient client, String name, String key) {
        var secret = client.secrets().inNamespace(NS).withName(name).get();
        assertThat(secret).as("Secret %s", name).isNotNull();
        return new String(java.util.Base64.getDecoder().decode(secret.getData().get(key)),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    private static EnvVar env(Deployment deployment, String name) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv().stream()
                .filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + deployment.getMetadata().getName()));
    }
}
