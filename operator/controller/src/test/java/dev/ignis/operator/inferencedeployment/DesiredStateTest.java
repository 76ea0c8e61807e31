package dev.ignis.operator.inferencedeployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.ServiceSpec;
import dev.ignis.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Each dependent's desired object, computed from a resource with no cluster around. */
class DesiredStateTest {

    private static final OperatorSettings SETTINGS = new OperatorSettings("registry.example/runtime:1.0", List.of(),
            null, "lease", 0);
    private final RuntimeDeploymentDependentResource deployments = new RuntimeDeploymentDependentResource(SETTINGS);

    private static Map<String, EnvVar> env(Container container) {
        return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    @Test
    void deploymentRunsTheRuntimeHardenedWithProbesAndTheSpecAsSettings() {
        InferenceDeployment r = Fixtures.stored("llama-3.2-1b-int8.yaml");
        Deployment d = deployments.desiredFor(r, null);

        assertThat(d.getMetadata().getName()).isEqualTo("llama-1b");
        assertThat(d.getMetadata().getNamespace()).isEqualTo("team-a");
        assertThat(d.getSpec().getReplicas()).isEqualTo(1);
        assertThat(d.getSpec().getSelector().getMatchLabels())
                .containsEntry("ignis.dev/inference-deployment", "llama-1b");
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal()).isEqualTo(1);

        var pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        Container c = pod.getContainers().getFirst();
        assertThat(c.getImage()).isEqualTo("registry.example/runtime:1.0");
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
        assertThat(c.getResources().getRequests().get("cpu").toString()).isEqualTo("2");
        assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath())
                .containsExactlyInAnyOrder("/var/cache/ignis", "/tmp", "/etc/ignis/access", "/etc/ignis/keys");

        Map<String, EnvVar> env = env(c);
        assertThat(env.get("IGNIS_RUNTIME_MODEL").getValue()).startsWith("https://huggingface.co/");
        assertThat(env.get("IGNIS_RUNTIME_QUANTIZATION").getValue()).isEqualTo("int8");
        assertThat(env.get("IGNIS_RUNTIME_CONTEXT_SIZE").getValue()).isEqualTo("8192");
        // Keys and allowed list come from mounted files the runtime re-reads: no restart when they change.
        assertThat(env.get("IGNIS_RUNTIME_API_KEY_SHA256_FILE").getValue()).isEqualTo("/etc/ignis/keys/api-key-sha256");
        assertThat(env.get("IGNIS_RUNTIME_ALLOWED_IPS_FILE").getValue()).isEqualTo("/etc/ignis/access/allowed-ips");
        assertThat(env).doesNotContainKeys("IGNIS_RUNTIME_ALLOWED_IPS", "IGNIS_RUNTIME_API_KEY_SHA256");
        var volumes = pod.getVolumes();
        assertThat(volumes).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo("keys");
            assertThat(v.getSecret().getSecretName()).isEqualTo("llama-1b-keys");
            assertThat(v.getSecret().getItems()).singleElement().satisfies(item -> {
                assertThat(item.getKey()).isEqualTo("api-key-sha256");
                assertThat(item.getPath()).isEqualTo("api-key-sha256");
            });
        });
        assertThat(volumes).anyMatch(v -> v.getConfigMap() != null && "llama-1b-access".equals(v.getConfigMap().getName()));
        assertThat(c.getVolumeMounts()).filteredOn(m -> m.getMountPath().startsWith("/etc/ignis"))
                .allSatisfy(m -> assertThat(m.getReadOnly()).isTrue()).hasSize(2);
    }

    @Test
    void anAutoscaledDeploymentKeepsTheAutoscalersCountWithinBounds() {
        InferenceDeployment r = Fixtures.stored("qwen-autoscaled-restricted.yaml");
        assertThat(deployments.desiredFor(r, null).getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployments.desiredFor(r, 4).getSpec().getReplicas()).isEqualTo(4);
        assertThat(deployments.desiredFor(r, 9).getSpec().getReplicas()).isEqualTo(6);
        assertThat(deployments.desiredFor(r, 1).getSpec().getReplicas()).isEqualTo(2);

        Container c = deployments.desiredFor(r, null).getSpec().getTemplate().getSpec().getContainers().getFirst();
        var access = new RuntimeAccessConfigMapDependentResource().desired(r);
        assertThat(access.getMetadata().getName()).isEqualTo("qwen-small-access");
        assertThat(access.getData().get("allowed-ips")).isEqualTo("203.0.113.0/24\n2001:db8:1234::/48\n");
        // The ranges are not in the pod template: changing them does not roll the pods.
        var other = Fixtures.stored("qwen-autoscaled-restricted.yaml");
        other.getSpec().setAllowedSourceRanges(java.util.List.of("198.51.100.0/24"));
        assertThat(deployments.desiredFor(other, null).getSpec().getTemplate())
                .isEqualTo(deployments.desiredFor(r, null).getSpec().getTemplate());
        assertThat(env(c).get("IGNIS_RUNTIME_SLOTS").getValue()).isEqualTo("4");
        assertThat(deployments.desiredFor(r, null).getSpec().getTemplate().getSpec().getVolumes().getFirst()
                .getPersistentVolumeClaim().getClaimName()).isEqualTo("ignis-model-cache");
    }

    @Test
    void aFixedSizeDeploymentIgnoresTheCurrentCount() {
        InferenceDeployment r = Fixtures.stored("llama-3.2-1b-int8.yaml");
        assertThat(deployments.desiredFor(r, 7).getSpec().getReplicas()).isEqualTo(1);
    }

    @Test
    void loadBalancerCarriesTheSourceRangesAndKeepsClientAddresses() {
        var service = new RuntimeServiceDependentResource().desired(Fixtures.stored("qwen-autoscaled-restricted.yaml"));
        assertThat(service.getSpec().getType()).isEqualTo("LoadBalancer");
        assertThat(service.getSpec().getLoadBalancerSourceRanges())
                .containsExactly("203.0.113.0/24", "2001:db8:1234::/48");
        assertThat(service.getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
        assertThat(service.getSpec().getPorts().getFirst().getPort()).isEqualTo(80);
        assertThat(service.getSpec().getPorts().getFirst().getTargetPort().getStrVal()).isEqualTo("http");
        assertThat(service.getMetadata().getAnnotations())
                .containsEntry("service.beta.kubernetes.io/aws-load-balancer-type", "nlb");
    }

    @Test
    void anOpenLoadBalancerHasNoSourceRangesAndAClusterIpServiceNoTrafficPolicy() {
        var open = new RuntimeServiceDependentResource().desired(Fixtures.stored("llama-3.2-1b-int8.yaml"));
        assertThat(open.getSpec().getLoadBalancerSourceRanges()).isNullOrEmpty();
        var internal = new RuntimeServiceDependentResource().desired(Fixtures.stored("internal-no-auth.yaml"));
        assertThat(internal.getSpec().getType()).isEqualTo(ServiceSpec.Type.ClusterIP.name());
        assertThat(internal.getSpec().getExternalTrafficPolicy()).isNull();
    }

    @Test
    void networkPolicyAdmitsOnlyTheRangesToTheRuntimePort() {
        var policy = new RuntimeNetworkPolicyDependentResource()
                .desired(Fixtures.stored("qwen-autoscaled-restricted.yaml"));
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(policy.getSpec().getIngress()).hasSize(2);
        var rule = policy.getSpec().getIngress().getFirst();
        var operator = policy.getSpec().getIngress().get(1);
        assertThat(operator.getFrom()).singleElement().satisfies(peer -> {
            assertThat(peer.getIpBlock()).isNull();
            assertThat(peer.getPodSelector().getMatchLabels()).containsEntry("ignis.dev/role", "operator");
        });
        assertThat(rule.getPorts().getFirst().getPort().getIntVal()).isEqualTo(8000);
        assertThat(rule.getFrom()).extracting(p -> p.getIpBlock().getCidr())
                .containsExactly("203.0.113.0/24", "2001:db8:1234::/48");

        var open = new RuntimeNetworkPolicyDependentResource().desired(Fixtures.stored("llama-3.2-1b-int8.yaml"));
        assertThat(open.getSpec().getIngress().getFirst().getFrom()).as("no peers: every source").isNullOrEmpty();
    }

    @Test
    void autoscalerScalesOnTheRuntimeLoadOrOnCpu() {
        InferenceDeployment r = Fixtures.stored("qwen-autoscaled-restricted.yaml");
        assertThat(RuntimeAutoscalerDependentResource.wanted(r)).isTrue();
        var hpa = new RuntimeAutoscalerDependentResource().desired(r);
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(6);
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("qwen-small");
        var pods = hpa.getSpec().getMetrics().getFirst().getPods();
        assertThat(pods.getMetric().getName()).isEqualTo("ignis_load");
        assertThat(pods.getTarget().getAverageValue().toString()).isEqualTo("4");

        r.getSpec().getReplicas().setTargetLoadPerPod(null);
        var cpu = new RuntimeAutoscalerDependentResource().desired(r).getSpec().getMetrics().getFirst();
        assertThat(cpu.getResource().getName()).isEqualTo("cpu");
        assertThat(cpu.getResource().getTarget().getAverageUtilization()).isEqualTo(80);

        assertThat(RuntimeAutoscalerDependentResource.wanted(Fixtures.stored("llama-3.2-1b-int8.yaml"))).isFalse();
    }

    @Test
    void disruptionBudgetLetsOnePodGoAtATime() {
        var pdb = new RuntimeDisruptionBudgetDependentResource().desired(Fixtures.stored("llama-3.2-1b-int8.yaml"));
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(pdb.getSpec().getSelector().getMatchLabels())
                .containsEntry("ignis.dev/inference-deployment", "llama-1b");
    }

    @Test
    void disabledAuthPassesNoKeys() {
        var pod = deployments.desiredFor(Fixtures.stored("internal-no-auth.yaml"), null).getSpec().getTemplate()
                .getSpec();
        assertThat(env(pod.getContainers().getFirst())).doesNotContainKey("IGNIS_RUNTIME_API_KEY_SHA256_FILE");
        assertThat(pod.getVolumes()).noneMatch(v -> v.getName().equals("keys"));
        assertThat(new RuntimeAccessConfigMapDependentResource().desired(Fixtures.stored("internal-no-auth.yaml"))
                .getData().get("allowed-ips")).as("empty list: every address").isEmpty();
    }
}
