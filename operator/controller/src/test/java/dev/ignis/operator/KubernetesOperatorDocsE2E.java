package dev.ignis.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.operator.testing.MockKubernetes;
import dev.ignis.testing.docs.DocScript;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/how-to/kubernetes-operator.md as written, with bash, the real kubectl and the operator started by the
 * page's own {@code java -cp ...} line, against Fabric8's mock API server (the reader's "current kube
 * context" is a kubeconfig for it). The test plays the kubelet and the cloud: once the operator has made the
 * Deployment and the Service, their status says the pod is ready and the load balancer has the address the
 * page shows. The one command it cannot run is the call to that address. Two changes to the text: the
 * operator's health port is a free one instead of 8081, and {@code kubectl apply} gets {@code --validate=false}
 * (the mock publishes no OpenAPI schema to validate against).
 */
class KubernetesOperatorDocsE2E {

    private static final Path ROOT = Path.of(System.getProperty("ignis.repo.dir", "../..")).toAbsolutePath().normalize();
    private static final String DOC = "docs/how-to/kubernetes-operator.md";

    @TempDir
    Path dir;

    private MockKubernetes kube;
    private Process operator;

    @AfterEach
    void stop() throws InterruptedException {
        if (operator != null) {
            DocScript.stop(operator);
        }
        if (kube != null) {
            kube.close();
        }
    }

    @Test
    void theKubectlHowToRunsAsWritten() throws Exception {
        kube = new MockKubernetes();
        KubernetesClient cluster = kube.client();
        int health = DocScript.freePort();
        Map<String, String> environment = Map.of(
                "PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"),
                "KUBECONFIG", kube.writeKubeconfig(dir).toString(),
                "IGNIS_OPERATOR_HEALTH_PORT", Integer.toString(health));

        // The mock API server publishes no OpenAPI schema for kubectl's client-side validation.
        DocScript install = new DocScript(ROOT, Path.of(DOC), "## Install the CRD and the operator", environment)
                .rewrite("kubectl apply -f", "kubectl apply --validate=false -f");
        install.next("./mvnw -B -pl operator/controller -am package", step -> {
            assertThat(ROOT.resolve("operator/controller/target/ignis-operator-0.1.0-SNAPSHOT.jar")).as("built by this build").exists();
            assertThat(ROOT.resolve("operator/controller/target/classpath.txt")).as("written by this build").exists();
        });
        assertThat(install.run("kubectl apply -f operator/crd/target/classes/META-INF/fabric8/"))
                .contains("customresourcedefinition.apiextensions.k8s.io/inferencedeployments.ignis.dev created");
        assertThat(install.run("kubectl api-resources --api-group=ignis.dev"))
                .containsPattern("inferencedeployments\\s+infd\\s+ignis.dev/v1alpha1\\s+true\\s+InferenceDeployment");
        operator = install.startServer("dev.ignis.operator.IgnisOperator", dir.resolve("operator.log"));
        DocScript.awaitReady(operator, URI.create("http://127.0.0.1:" + health + "/readyz"), dir.resolve("operator.log"),
                Duration.ofSeconds(90));
        install.end();

        DocScript deploy = new DocScript(ROOT, Path.of(DOC), "## Deploy a model", environment)
                .rewrite("kubectl apply -f", "kubectl apply --validate=false -f");
        String key = deploy.assign("KEY=sk-$(openssl rand -hex 24)");
        assertThat(key).matches("sk-[0-9a-f]{48}");
        assertThat(deploy.run("kubectl create secret generic llama-1b-keys")).contains("secret/llama-1b-keys created");
        String stored = cluster.secrets().inNamespace("default").withName("llama-1b-keys").get().getData().get("api-key-sha256");
        assertThat(new String(Base64.getDecoder().decode(stored), StandardCharsets.US_ASCII)).isEqualTo(HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII))));
        assertThat(deploy.run("kubectl apply -f operator/examples/llama-3.2-1b-int8.yaml"))
                .contains("inferencedeployment.ignis.dev/llama-1b created");

        // The kubelet and the cloud.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (cluster.apps().deployments().inNamespace("default").withName("llama-1b").get() == null
                || cluster.services().inNamespace("default").withName("llama-1b").get() == null) {
            assertThat(System.nanoTime()).as("the operator's Deployment and Service:\n%s",
                    Files.readString(dir.resolve("operator.log"))).isLessThan(deadline);
            DocScript.sleep(Duration.ofMillis(200));
        }
        cluster.apps().deployments().inNamespace("default").withName("llama-1b").editStatus(d -> {
            d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                    .withReplicas(1).withUpdatedReplicas(1).withReadyReplicas(1).withAvailableReplicas(1).build());
            return d;
        });
        cluster.services().inNamespace("default").withName("llama-1b").editStatus(s -> {
            s.setStatus(new ServiceStatusBuilder().withNewLoadBalancer().addNewIngress().withIp("203.0.113.9")
                    .endIngress().endLoadBalancer().build());
            return s;
        });
        String table = deploy.poll("kubectl get infd", Duration.ofSeconds(60), out -> out.contains("Ready"));
        // The columns as the page shows them (the CRD generator orders printer columns by JSON path).
        assertThat(table).containsPattern("NAME\\s+AGE\\s+MODEL\\s+QUANTIZATION\\s+ENDPOINT\\s+PHASE\\s+READY")
                .containsPattern("llama-1b\\s+\\S+\\s+llama-3.2-1b-instruct\\s+int8\\s+http://203.0.113.9/v1\\s+Ready\\s+1/1");
        deploy.skip("curl http://203.0.113.9/v1/chat/completions",
                "the address is a cloud load balancer's; the runtime's own tests call the same route");
        deploy.end();
    }
}
