package dev.ignis.controlplane.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ignis.controlplane.testing.Models;
import dev.ignis.operator.testing.MockKubernetes;
import dev.ignis.testing.docs.DocScript;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/how-to/kubernetes-operator.md as written, with bash, the real kubectl and the operator started by the
 * page's own {@code java -cp ...} line, against Fabric8's mock API server (the reader's "current kube
 * context" is a kubeconfig for it). The test plays the kubelet ({@link Kubelet}: the runtime pod the operator's
 * Deployment describes is the packaged runtime, run here with that pod's environment, Secret and ConfigMap)
 * and the cloud ({@link CloudLoadBalancer}: the Service gets the address the page shows, and the page's curl
 * reaches the pod through it, with the endpoint key the page made). What cannot be here is substituted and
 * printed: the model (no network: stories260K, served under the page's model name, at its own context of 512
 * tokens instead of 8192, with a chat template since it has none), the pod's address, and the route to
 * 203.0.113.9 (an HTTP proxy given to the page's commands as {@code http_proxy}). One change to the
 * environment: the operator's health port is a free one instead of 8081. {@code kubectl apply} gets {@code
 * --validate=false}, as older walkers did before the mock published {@code /openapi/v3}.
 */
class KubernetesOperatorDocsE2E {

    private static final Path ROOT = Path.of(System.getProperty("ignis.repo.dir", "..")).toAbsolutePath().normalize();
    private static final String DOC = "docs/how-to/kubernetes-operator.md";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private MockKubernetes kube;
    private Process operator;
    private Kubelet kubelet;
    private CloudLoadBalancer cloud;

    @AfterEach
    void stop() throws Exception {
        if (cloud != null) {
            cloud.close();
        }
        if (kubelet != null) {
            kubelet.close();
        }
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

        kubelet = new Kubelet(kube, dir);
        cloud = new CloudLoadBalancer(cluster, kubelet);
        Map<String, String> network = new HashMap<>(environment);
        network.put("http_proxy", cloud.proxy()); // the route to the cloud's addresses: curl honours it
        DocScript deploy = new DocScript(ROOT, Path.of(DOC), "## Deploy a model", network)
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
                || cluster.services().inNamespace("default").withName("llama-1b").get() == null
                || cluster.configMaps().inNamespace("default").withName("llama-1b-access").get() == null) {
            assertThat(System.nanoTime()).as("the operator's Deployment, Service and ConfigMap:\n%s",
                    Files.readString(dir.resolve("operator.log"))).isLessThan(deadline);
            DocScript.sleep(Duration.ofMillis(200));
        }
        kubelet.runRuntime("default", "llama-1b", Map.of(
                "IGNIS_RUNTIME_MODEL", Models.path("stories260K/stories260K.gguf").toString(),
                "IGNIS_RUNTIME_CONTEXT_SIZE", "512",
                "IGNIS_RUNTIME_CHAT_TEMPLATE", "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"
                        + "{% if add_generation_prompt %}assistant:{% endif %}"));
        assertThat(Files.readString(dir.resolve("llama-1b.log"))).as("the runtime's start-up log")
                .contains("Model llama-3.2-1b-instruct loaded").contains("served at int8");
        cloud.assign("default", "llama-1b", "203.0.113.9");
        String table = deploy.poll("kubectl get infd", Duration.ofSeconds(60), out -> out.contains("Ready"));
        // The columns as the page shows them (the CRD generator orders printer columns by JSON path).
        assertThat(table).containsPattern("NAME\\s+AGE\\s+MODEL\\s+QUANTIZATION\\s+ENDPOINT\\s+PHASE\\s+READY")
                .containsPattern("llama-1b\\s+\\S+\\s+llama-3.2-1b-instruct\\s+int8\\s+http://203.0.113.9/v1\\s+Ready\\s+1/1");
        assertThat(deploy.assign("ENDPOINT=$(kubectl get infd llama-1b -o jsonpath='{.status.endpoint}')"))
                .isEqualTo("http://203.0.113.9/v1");
        JsonNode answer = JSON.readTree(deploy.run("curl \"$ENDPOINT/chat/completions\""));
        assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(answer.path("model").asText()).isEqualTo("llama-3.2-1b-instruct");
        assertThat(answer.path("choices").path(0).path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(answer.path("choices").path(0).path("message").path("content").asText()).isNotBlank();
        assertThat(answer.path("usage").path("completion_tokens").asInt()).isPositive();

        // The key is what let it through: without it the pod refuses, behind the same load balancer.
        assertThat(deploy.execute("curl -s -o /dev/null -w '%{http_code}' -X POST \"$ENDPOINT/chat/completions\""
                + " -H 'Content-Type: application/json' -d '{}'", Duration.ofSeconds(30)).out()).isEqualTo("401");
        deploy.end();
    }
}
