package dev.ignis.operator.inferencedeployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.InferenceDeploymentStatus;
import dev.ignis.crd.v1alpha1.InferenceDeploymentStatus.Phase;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The status as a pure function of what was observed. */
class StatusAggregatorTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    private static final Instant T1 = Instant.parse("2026-11-27T10:05:00Z");

    private static Deployment deployment(int desired, int ready, int updated, long generation, long observed) {
        return new DeploymentBuilder().withNewMetadata().withName("llama-1b").withGeneration(generation).endMetadata()
                .withNewSpec().withReplicas(desired).endSpec()
                .withNewStatus().withReplicas(updated).withUpdatedReplicas(updated).withReadyReplicas(ready)
                .withObservedGeneration(observed).endStatus().build();
    }

    private static Service loadBalancer(String ip) {
        var builder = new ServiceBuilder().withNewMetadata().withName("llama-1b").endMetadata()
                .withNewSpec().withType("LoadBalancer").addNewPort().withPort(80).endPort().endSpec();
        if (ip != null) {
            builder.withNewStatus().withNewLoadBalancer().addNewIngress().withIp(ip).endIngress().endLoadBalancer()
                    .endStatus();
        }
        return builder.build();
    }

    private static InferenceDeploymentStatus aggregate(InferenceDeployment r, Deployment d, Service s,
            List<String> problems, Instant now) {
        return StatusAggregator.aggregate(new StatusAggregator.Observed(r, d, s, problems, null, null), now);
    }

    @Test
    void nothingCreatedYetIsPending() {
        InferenceDeployment r = Fixtures.stored("llama-3.2-1b-int8.yaml");
        InferenceDeploymentStatus status = aggregate(r, null, null, List.of(), T0);
        assertThat(status.getPhase()).isEqualTo(Phase.Pending);
        assertThat(status.getObservedGeneration()).isEqualTo(3L);
        assertThat(status.getReady()).isEqualTo("0/1");
        assertThat(status.condition("Ready").getStatus()).isEqualTo("False");
        assertThat(status.condition("Ready").getReason()).isEqualTo("ModelLoading");
        assertThat(status.condition("Progressing").getReason()).isEqualTo("Creating");
        assertThat(status.getConditions()).allMatch(c -> c.getObservedGeneration() == 3L);
        assertThat(status.getSelector()).contains("ignis.dev/inference-deployment=llama-1b");
    }

    @Test
    void readyPodsWithoutALoadBalancerAddressAreNotReadyYet() {
        InferenceDeployment r = Fixtures.stored("llama-3.2-1b-int8.yaml");
        InferenceDeploymentStatus status = aggregate(r, deployment(1, 1, 1, 1, 1), loadBalancer(null), List.of(), T0);
        assertThat(status.getPhase()).isEqualTo(Phase.Progressing);
        assertThat(status.condition("ModelReady").getStatus()).isEqualTo("True");
        assertThat(status.condition("Ready").getReason()).isEqualTo("AwaitingLoadBalancer");
        assertThat(status.getEndpoint()).isNull();
    }

    @Test
    void readyPodsBehindAnAddressedLoadBalancerAreReady() {
        InferenceDeployment r = Fixtures.stored("llama-3.2-1b-int8.yaml");
        InferenceDeploymentStatus status = aggregate(r, deployment(1, 1, 1, 1, 1), loadBalancer("2001:db8::7"),
                List.of(), T0);
        assertThat(status.getPhase()).isEqualTo(Phase.Ready);
        assertThat(status.getEndpoint()).isEqualTo("http://[2001:db8::7]/v1");
        assertThat(status.condition("Ready").getStatus()).isEqualTo("True");
        assertThat(status.condition("Progressing").getStatus()).isEqualTo("False");
        assertThat(status.condition("Degraded").getStatus()).isEqualTo("False");
    }

    @Test
    void aRolloutInProgressIsProgressing() {
        InferenceDeployment r = Fixtures.stored("llama-3.2-1b-int8.yaml");
        InferenceDeploymentStatus status = aggregate(r, deployment(2, 1, 1, 4, 3), loadBalancer("192.0.2.1"),
                List.of(), T0);
        assertThat(status.getPhase()).isEqualTo(Phase.Progressing);
        assertThat(status.condition("Progressing").getStatus()).isEqualTo("True");
        assertThat(status.condition("Progressing").getReason()).isEqualTo("RollingOut");
        assertThat(status.getReady()).isEqualTo("1/2");
    }

    @Test
    void anInvalidSpecIsDegradedWithTheProblems() {
        InferenceDeployment r = Fixtures.stored("llama-3.2-1b-int8.yaml");
        InferenceDeploymentStatus status = aggregate(r, deployment(1, 1, 1, 1, 1), loadBalancer("192.0.2.1"),
                List.of("spec.replicas.min (3) must not exceed spec.replicas.max (2)"), T0);
        assertThat(status.getPhase()).isEqualTo(Phase.Degraded);
        assertThat(status.condition("Degraded").getReason()).isEqualTo("InvalidSpec");
        assertThat(status.condition("Degraded").getMessage()).contains("spec.replicas.min");
        assertThat(status.condition("Ready").getStatus()).isEqualTo("False");
    }

    @Test
    void aRuntimeThatCannotLoadItsModelIsDegradedWithItsReason() {
        InferenceDeployment r = Fixtures.stored("llama-3.2-1b-int8.yaml");
        InferenceDeploymentStatus status = StatusAggregator.aggregate(new StatusAggregator.Observed(r,
                deployment(1, 0, 1, 1, 1), loadBalancer("192.0.2.1"), List.of(), null,
                "pod llama-1b-7f-x: the runtime could not load the model: stored as Q4_0"), T0);
        assertThat(status.getPhase()).isEqualTo(Phase.Degraded);
        assertThat(status.condition("Degraded").getReason()).isEqualTo("RuntimeFailed");
        assertThat(status.condition("Degraded").getMessage()).contains("stored as Q4_0");
        assertThat(status.condition("Ready").getReason()).isEqualTo("RuntimeFailed");
    }

    @Test
    void aRolloutPastItsDeadlineIsDegraded() {
        InferenceDeployment r = Fixtures.stored("llama-3.2-1b-int8.yaml");
        Deployment stuck = deployment(1, 0, 1, 1, 1);
        stuck.getStatus().getConditions().add(new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
                .withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
                .withMessage("ReplicaSet \"llama-1b-5d\" has timed out progressing.").build());
        InferenceDeploymentStatus status = aggregate(r, stuck, loadBalancer(null), List.of(), T0);
        assertThat(status.getPhase()).isEqualTo(Phase.Degraded);
        assertThat(status.condition("Degraded").getReason()).isEqualTo("ProgressDeadlineExceeded");
    }

    @Test
    void lastTransitionTimeMovesOnlyWhenAConditionChanges() {
        InferenceDeployment r = Fixtures.stored("llama-3.2-1b-int8.yaml");
        r.setStatus(aggregate(r, deployment(1, 0, 1, 1, 1), loadBalancer(null), List.of(), T0));

        InferenceDeploymentStatus later = aggregate(r, deployment(1, 1, 1, 1, 1), loadBalancer("192.0.2.1"),
                List.of(), T1);
        assertThat(later.condition("Ready").getLastTransitionTime()).isEqualTo("2026-11-27T10:05:00Z");
        assertThat(later.condition("Degraded").getLastTransitionTime()).as("still False")
                .isEqualTo("2026-11-27T10:00:00Z");

        r.setStatus(later);
        InferenceDeploymentStatus same = aggregate(r, deployment(1, 1, 1, 1, 1), loadBalancer("192.0.2.1"),
                List.of(), T1.plusSeconds(600));
        assertThat(same).as("nothing changed: no status write").isEqualTo(later);
    }

    @Test
    void aClusterIpServiceIsReachableByItsDnsName() {
        InferenceDeployment r = Fixtures.stored("internal-no-auth.yaml");
        Service service = new ServiceBuilder().withNewSpec().withType("ClusterIP").addNewPort().withPort(80).endPort()
                .endSpec().build();
        assertThat(StatusAggregator.endpoint(r, service)).isEqualTo("http://stories.team-a.svc.cluster.local/v1");
    }
}
