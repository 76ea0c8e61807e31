package dev.ignis.operator.inferencedeployment;

import static dev.ignis.operator.testing.Awaits.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.InferenceDeploymentStatus;
import dev.ignis.operator.IgnisOperator;
import dev.ignis.operator.OperatorSettings;
import dev.ignis.operator.testing.MockKubernetes;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator running against Fabric8's mock API server (CRUD mode): what a user's {@code kubectl apply}
 * causes, step by step, including the part a kubelet and a cloud controller would play (marking pods ready,
 * assigning the load balancer's address).
 */
class InferenceDeploymentOperatorIT {

    private static final String NS = "default";
    private static MockKubernetes kube;
    private static KubernetesClient client;
    private static IgnisOperator operator;

    @BeforeAll
    static void start() throws IOException {
        kube = new MockKubernetes().withCrd();
        client = kube.client();
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("keys")
                .endMetadata().withStringData(Map.of("api-key-sha256", "ab".repeat(32))).build()).create();
        operator = IgnisOperator.start(client, new OperatorSettings("registry.example/ignis-runtime:test", List.of(),
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

    private static InferenceDeployment resource(String name, String yamlSpec) {
        return Serialization.unmarshal("""
                apiVersion: ignis.dev/v1alpha1
                kind: InferenceDeployment
                metadata:
                  name: %s
                  namespace: default
                spec:
                %s
                """.formatted(name, yamlSpec.indent(2)), InferenceDeployment.class);
    }

    private static final String SPEC = """
            model:
              name: stories
              uri: https://models.example/stories260K.gguf
              sha256: %s
              quantization: int8
            replicas: {min: 1, max: 1}
            allowedSourceRanges: ["203.0.113.0/24", "2001:db8::/32"]
            auth: {secretName: keys}
            """.formatted("0".repeat(64));

    @Test
    void createsEveryOwnedObjectAndFollowsChanges() {
        client.resource(resource("llm", SPEC)).create();

        Deployment deployment = await(() -> client.apps().deployments().inNamespace(NS).withName("llm").get());
        Service service = await(() -> client.services().inNamespace(NS).withName("llm").get());
        NetworkPolicy policy = await(() -> client.network().v1().networkPolicies().inNamespace(NS).withName("llm")
                .get());
        PodDisruptionBudget pdb = await(() -> client.policy().v1().podDisruptionBudget().inNamespace(NS)
                .withName("llm").get());
        InferenceDeployment created = client.resources(InferenceDeployment.class).inNamespace(NS).withName("llm")
                .get();

        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage())
                .isEqualTo("registry.example/ignis-runtime:test");
        assertThat(service.getSpec().getLoadBalancerSourceRanges())
                .containsExactly("203.0.113.0/24", "2001:db8::/32");
        assertThat(service.getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
        assertThat(policy.getSpec().getIngress().getFirst().getFrom()).extracting(p -> p.getIpBlock().getCidr())
                .containsExactly("203.0.113.0/24", "2001:db8::/32");
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        var access = await(() -> client.configMaps().inNamespace(NS).withName("llm-access").get());
        for (var owned : List.of(deployment, service, policy, pdb, access)) {
            OwnerReference owner = owned.getMetadata().getOwnerReferences().getFirst();
            assertThat(owner.getUid()).isEqualTo(created.getMetadata().getUid());
            assertThat(owner.getKind()).isEqualTo("InferenceDeployment");
            assertThat(owner.getController()).isTrue();
        }
        assertThat(client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(NS).withName("llm").get())
                .as("no autoscaler while min == max").isNull();
        InferenceDeploymentStatus pending = awaitStatus("llm", s -> s.getConditions().size() == 4);
        assertThat(pending.getPhase()).isIn(InferenceDeploymentStatus.Phase.Pending,
                InferenceDeploymentStatus.Phase.Progressing);
        assertThat(condition(pending, "Ready").getStatus()).isEqualTo("False");

        assertThat(client.configMaps().inNamespace(NS).withName("llm-access").get().getData().get("allowed-ips"))
                .isEqualTo("203.0.113.0/24\n2001:db8::/32\n");
        String podTemplateVersion = client.apps().deployments().inNamespace(NS).withName("llm").get().getMetadata()
                .getResourceVersion();

        // The allowed ranges change: the load balancer, the NetworkPolicy and the runtime's file follow, and
        // the pods are not rolled (the Deployment is not written).
        edit("llm", r -> r.getSpec().setAllowedSourceRanges(List.of("198.51.100.7/32")));
        await(() -> "198.51.100.7/32\n".equals(client.configMaps().inNamespace(NS).withName("llm-access").get()
                .getData().get("allowed-ips")) ? true : null);
        await(() -> {
            Service s = client.services().inNamespace(NS).withName("llm").get();
            return s.getSpec().getLoadBalancerSourceRanges().equals(List.of("198.51.100.7/32")) ? s : null;
        });
        await(() -> {
            List<NetworkPolicyPeer> from = client.network().v1().networkPolicies().inNamespace(NS).withName("llm")
                    .get().getSpec().getIngress().getFirst().getFrom();
            return from.size() == 1 && from.getFirst().getIpBlock().getCidr().equals("198.51.100.7/32") ? from : null;
        });
        assertThat(client.apps().deployments().inNamespace(NS).withName("llm").get().getMetadata().getResourceVersion())
                .as("no rollout for an ACL change").isEqualTo(podTemplateVersion);

        // Scaling out: an autoscaler appears between the new bounds and the Deployment starts at min.
        edit("llm", r -> {
            r.getSpec().getReplicas().setMin(2);
            r.getSpec().getReplicas().setMax(5);
        });
        HorizontalPodAutoscaler hpa = await(() -> client.autoscaling().v2().horizontalPodAutoscalers()
                .inNamespace(NS).withName("llm").get());
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(5);
        assertThat(hpa.getSpec().getMetrics().getFirst().getResource().getName()).isEqualTo("cpu");
        await(() -> client.apps().deployments().inNamespace(NS).withName("llm").get().getSpec().getReplicas() == 2
                ? true : null);

        // A kubelet marks the pods ready and the cloud assigns the load balancer: the resource becomes Ready.
        client.apps().deployments().inNamespace(NS).withName("llm").editStatus(d -> {
            d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder()
                    .withObservedGeneration(d.getMetadata().getGeneration())
                    .withReplicas(2).withUpdatedReplicas(2).withReadyReplicas(2).withAvailableReplicas(2).build());
            return d;
        });
        client.services().inNamespace(NS).withName("llm").editStatus(s -> {
            s.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder().withNewLoadBalancer()
                    .addNewIngress().withIp("192.0.2.10").endIngress().endLoadBalancer().build());
            return s;
        });
        InferenceDeploymentStatus ready = awaitStatus("llm",
                s -> s.getPhase() == InferenceDeploymentStatus.Phase.Ready);
        assertThat(ready.getEndpoint()).isEqualTo("http://192.0.2.10/v1");
        assertThat(ready.getReady()).isEqualTo("2/2");
        assertThat(condition(ready, "ModelReady").getStatus()).isEqualTo("True");
        assertThat(condition(ready, "Progressing").getStatus()).isEqualTo("False");
        assertThat(condition(ready, "Degraded").getStatus()).isEqualTo("False");
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .anyMatch(e -> "llm".equals(e.getInvolvedObject().getName()) && "Serving".equals(e.getReason()));

        // Back to a fixed size: the autoscaler goes away.
        edit("llm", r -> r.getSpec().getReplicas().setMax(2));
        await(() -> client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(NS).withName("llm").get() == null
                ? true : null);

        client.resources(InferenceDeployment.class).inNamespace(NS).withName("llm").delete();
        await(() -> client.resources(InferenceDeployment.class).inNamespace(NS).withName("llm").get() == null
                ? true : null);
    }

    @Test
    void anInvalidChangeIsReportedAndLeavesTheRunningObjectsAlone() {
        client.resource(resource("keep", SPEC)).create();
        Deployment before = await(() -> client.apps().deployments().inNamespace(NS).withName("keep").get());

        // Host bits set: the CEL rule rejects this on a real API server; the mock has no CEL, the operator checks.
        edit("keep", r -> r.getSpec().setAllowedSourceRanges(List.of("10.1.2.3/8")));
        InferenceDeploymentStatus degraded = awaitStatus("keep",
                s -> s.getPhase() == InferenceDeploymentStatus.Phase.Degraded);
        Condition condition = condition(degraded, "Degraded");
        assertThat(condition.getReason()).isEqualTo("InvalidSpec");
        assertThat(condition.getMessage()).contains("spec.allowedSourceRanges[0]");
        assertThat(client.services().inNamespace(NS).withName("keep").get().getSpec().getLoadBalancerSourceRanges())
                .containsExactly("203.0.113.0/24", "2001:db8::/32");
        assertThat(client.apps().deployments().inNamespace(NS).withName("keep").get().getMetadata()
                .getResourceVersion()).isEqualTo(before.getMetadata().getResourceVersion());
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .anyMatch(e -> "keep".equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType()));
    }

    @Test
    void aRuntimeThatCannotLoadTheModelMakesTheResourceDegradedWithItsReason() throws Exception {
        client.resource(resource("toohigh", SPEC)).create();
        await(() -> client.apps().deployments().inNamespace(NS).withName("toohigh").get());
        // A runtime that failed to load: it answers /health/ready as the real one does.
        var runtime = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        runtime.createContext("/health/ready", exchange -> {
            byte[] body = ("{\"status\":\"DOWN\",\"state\":\"failed\",\"reason\":\"the weights are stored as"
                    + " Q4_0 (4 bits); serving them at int8 would not add precision\"}").getBytes();
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        runtime.start();
        try {
            // What the ReplicaSet controller and the kubelet would create: a running, unready runtime pod.
            client.pods().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.PodBuilder()
                    .withNewMetadata().withName("toohigh-5d8f-x1").withLabels(RuntimeLabels.all(
                            client.resources(InferenceDeployment.class).inNamespace(NS).withName("toohigh").get()))
                    .endMetadata()
                    .withNewSpec().addNewContainer().withName("runtime").withImage("runtime")
                    .addNewPort().withName("http").withContainerPort(runtime.getAddress().getPort()).endPort()
                    .endContainer().endSpec()
                    .build()).create();
            client.pods().inNamespace(NS).withName("toohigh-5d8f-x1").editStatus(p -> {
                p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running")
                        .withPodIP("127.0.0.1").addNewContainerStatus().withName("runtime").withReady(false)
                        .withNewState().withNewRunning().endRunning().endState().endContainerStatus().build());
                return p;
            });
            InferenceDeploymentStatus degraded = awaitStatus("toohigh",
                    s -> s.getPhase() == InferenceDeploymentStatus.Phase.Degraded);
            assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("RuntimeFailed");
            assertThat(condition(degraded, "Degraded").getMessage()).contains("toohigh-5d8f-x1")
                    .contains("serving them at int8 would not add precision");
        } finally {
            runtime.stop(0);
        }
    }

    @Test
    void aCrashLoopingRuntimeIsReportedWithItsLastOutput() {
        client.resource(resource("crashing", SPEC)).create();
        InferenceDeployment owner = await(() -> client.resources(InferenceDeployment.class).inNamespace(NS)
                .withName("crashing").get());
        client.pods().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.PodBuilder()
                .withNewMetadata().withName("crashing-1").withLabels(RuntimeLabels.all(owner)).endMetadata()
                .withNewSpec().addNewContainer().withName("runtime").withImage("runtime").endContainer().endSpec()
                .build()).create();
        client.pods().inNamespace(NS).withName("crashing-1").editStatus(p -> {
            p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running")
                    .addNewContainerStatus().withName("runtime").withReady(false).withRestartCount(4)
                    .withNewState().withNewWaiting().withReason("CrashLoopBackOff")
                    .withMessage("back-off 40s restarting failed container").endWaiting().endState()
                    .withNewLastState().withNewTerminated().withExitCode(1)
                    .withMessage("java.lang.OutOfMemoryError: Java heap space").endTerminated().endLastState()
                    .endContainerStatus().build());
            return p;
        });
        InferenceDeploymentStatus degraded = awaitStatus("crashing",
                s -> s.getPhase() == InferenceDeploymentStatus.Phase.Degraded);
        assertThat(condition(degraded, "Degraded").getMessage()).contains("CrashLoopBackOff")
                .contains("OutOfMemoryError");
    }

    @Test
    void aMissingSecretIsDegradedUntilItAppears() {
        client.resource(resource("nokeys", SPEC.replace("secretName: keys", "secretName: later"))).create();
        InferenceDeploymentStatus degraded = awaitStatus("nokeys",
                s -> s.getPhase() == InferenceDeploymentStatus.Phase.Degraded);
        assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("SecretNotFound");
        assertThat(condition(degraded, "Degraded").getMessage()).contains("later");
        // Objects are still created: the pods start as soon as the Secret exists.
        await(() -> client.apps().deployments().inNamespace(NS).withName("nokeys").get());
    }

    /** Changes the spec as a user would: read, change, write, and again on a conflict with the operator. */
    private static void edit(String name, java.util.function.Consumer<InferenceDeployment> change) {
        for (int attempt = 0; ; attempt++) {
            InferenceDeployment current = client.resources(InferenceDeployment.class).inNamespace(NS).withName(name)
                    .get();
            change.accept(current);
            try {
                client.resource(current).update();
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }

    private static Condition condition(InferenceDeploymentStatus status, String type) {
        Condition c = status.condition(type);
        assertThat(c).as("condition " + type).isNotNull();
        return c;
    }

    private static InferenceDeploymentStatus awaitStatus(String name,
            java.util.function.Predicate<InferenceDeploymentStatus> ready) {
        return await(() -> {
            InferenceDeployment r = client.resources(InferenceDeployment.class).inNamespace(NS).withName(name).get();
            return r != null && r.getStatus() != null && ready.test(r.getStatus()) ? r.getStatus() : null;
        });
    }

}
