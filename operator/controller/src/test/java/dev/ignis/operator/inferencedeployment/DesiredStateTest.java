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
                .containsExactlyInAnyOrder("/var/cache/ignis", "/tmp");

        Map<String, EnvVar> env = env(c);
        assertThat(env.get("IGNIS_RUNTIME_MODEL").getValue()).startsWith("https://huggingface.co/");
        assertThat(env.get("IGNIS_RUNTIME_QUANTIZATION").getValue()).isEqualTo("int8");
        assertThat(env.get("IGNIS_RUNTIME_CONTEXT_SIZE").getValue()).isEqualTo("8192");
        assertThat(env.get("IGNIS_RUNTIME_API_KEY_SHA256").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("llama-1b-keys");
        assertThat(env.get("IGNIS_RUNTIME_API_KEY_SHA256").getValueFrom().getSecretKeyRef().getKey())
                .isEqualTo("api-key-sha256");
        assertThat(env).doesNotContainKey("IGNIS_RUNTIME_ALLOWED_IPS");
    }

    @Test
    void anAutoscaledDeploymentKeepsTheAutoscalersCountWithinBounds() {
        InferenceDeployment r = Fixtures.stored("qwen-autoscaled-restricted.yaml");
        assertThat(deployments.desiredFor(r, null).getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployments.desiredFor(r, 4).getSpec().getReplicas()).isEqualTo(4);
        assertThat(deployments.desiredFor(r, 9).getSpec().getReplicas()).isEqualTo(6);
        assertThat(deployments.desiredFor(r, 1).getSpec().getReplicas()).isEqualTo(2);

        Container c = deployments.desiredFor(r, null).getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(env(c).get("IGNIS_RUNTIME_ALLOWED_IPS").getValue()).isEqualTo("203.0.113.0/24,2001:db8:1234::/48");
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
        Container c = deployments.desiredFor(Fixtures.stored("internal-no-auth.yaml"), null).getSpec().getTemplate()
                .getSpec().getContainers().getFirst();
        assertThat(env(c)).doesNotContainKey("IGNIS_RUNTIME_API_KEY_SHA256");
    }
}
