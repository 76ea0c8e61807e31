package dev.ignis.operator;

import static dev.ignis.operator.testing.Awaits.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.operator.testing.MockKubernetes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user does with the real kubectl, against Fabric8's mock API server with the operator running:
 * install the generated CRD, apply the examples, look at them, scale one, delete them.
 */
class KubectlE2E {

    private static final Path KUBECTL = Path.of(System.getProperty("ignis.kubectl", "/usr/bin/kubectl"));
    private static final Path EXAMPLES = Path.of(System.getProperty("ignis.operator.examples", "../examples"));

    @TempDir
    static Path dir;
    private static MockKubernetes kube;
    private static KubernetesClient client;
    private static IgnisOperator operator;
    private static Path kubeconfig;

    @BeforeAll
    static void start() throws IOException {
        assertThat(KUBECTL).as("kubectl (set -Dignis.kubectl)").isExecutable();
        kube = new MockKubernetes();
        client = kube.client();
        kubeconfig = kube.writeKubeconfig(dir);
        operator = IgnisOperator.start(client, new OperatorSettings("registry.example/ignis-runtime:e2e", List.of(),
                null, "unused", 0));
    }

    @AfterAll
    static void stop() {
        if (operator != null) {
            operator.close();
        }
        if (kube != null) {
            kube.close();
        }
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result kubectl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(KUBECTL.toString(), "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private static String ok(String... args) throws IOException, InterruptedException {
        Result r = kubectl(args);
        assertThat(r.exit()).as("kubectl " + String.join(" ", args) + "\n" + r.out() + r.err()).isZero();
        return r.out();
    }

    @Test
    void installApplyInspectScaleAndDelete() throws Exception {
        assertThat(ok("version", "-o", "json")).contains("v1.32.0");

        Path crd = dir.resolve("crd.yaml");
        Files.writeString(crd, Serialization.asYaml(MockKubernetes.generatedCrd()));
        assertThat(ok("apply", "--validate=false", "-f", crd.toString()))
                .contains("customresourcedefinition.apiextensions.k8s.io/inferencedeployments.ignis.dev created");
        assertThat(ok("api-resources", "--api-group=ignis.dev")).contains("inferencedeployments").contains("infd")
                .contains("InferenceDeployment");

        String applied = ok("apply", "--validate=false", "-f", EXAMPLES.toString());
        assertThat(applied).contains("inferencedeployment.ignis.dev/llama-1b created")
                .contains("inferencedeployment.ignis.dev/qwen-small created")
                .contains("inferencedeployment.ignis.dev/stories created")
                .contains("secret/llama-1b-keys created");

        // The operator turns them into runtime Deployments.
        await(() -> client.apps().deployments().inNamespace("default").withName("qwen-small").get());
        await(() -> {
            InferenceDeployment r = client.resources(InferenceDeployment.class).inNamespace("default")
                    .withName("qwen-small").get();
            return r.getStatus() != null && r.getStatus().getReady() != null ? r : null;
        });

        String table = ok("get", "infd");
        assertThat(table.lines().findFirst().orElseThrow())
                .contains("NAME", "MODEL", "QUANTIZATION", "READY", "PHASE", "ENDPOINT", "AGE");
        assertThat(table).contains("qwen-small").contains("qwen2.5-0.5b-instruct").contains("int4")
                .contains("0/2");

        assertThat(ok("get", "infd", "qwen-small", "-o", "jsonpath={.spec.allowedSourceRanges}"))
                .contains("203.0.113.0/24");
        assertThat(ok("get", "deploy,svc,netpol,hpa,pdb", "-l", "ignis.dev/inference-deployment=qwen-small",
                "-o", "name")).contains("deployment.apps/qwen-small", "service/qwen-small",
                "networkpolicy.networking.k8s.io/qwen-small", "horizontalpodautoscaler.autoscaling/qwen-small",
                "poddisruptionbudget.policy/qwen-small");

        // kubectl scale goes through the scale subresource: it sets spec.replicas.min.
        assertThat(ok("scale", "infd", "qwen-small", "--replicas=3")).contains("scaled");
        await(() -> client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("default")
                .withName("qwen-small").get().getSpec().getMinReplicas() == 3 ? true : null);

        // A change made with kubectl patch reaches the load balancer. (A JSON patch: the mock server merges
        // arrays in a merge patch instead of replacing them as RFC 7386 and a real API server do.)
        ok("patch", "infd", "qwen-small", "--type=json", "-p",
                "[{\"op\":\"replace\",\"path\":\"/spec/allowedSourceRanges\",\"value\":[\"198.51.100.0/24\"]}]");
        await(() -> client.services().inNamespace("default").withName("qwen-small").get().getSpec()
                .getLoadBalancerSourceRanges().equals(List.of("198.51.100.0/24")) ? true : null);

        assertThat(ok("delete", "-f", EXAMPLES.toString())).contains("\"qwen-small\" deleted");
        assertThat(ok("get", "infd", "-o", "name")).isBlank();
    }

}
