package dev.ignis.controlplane.provisioner.kubernetes;

import static dev.ignis.controlplane.testing.Api.deploy;
import static dev.ignis.controlplane.testing.Api.newTenant;
import static dev.ignis.controlplane.testing.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ignis.controlplane.testing.PostgresTestResource;
import dev.ignis.crd.v1alpha1.InferenceDeployment;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes path end to end: the control plane with the kubernetes provisioner and the operator on the
 * same mock API server. REST create → InferenceDeployment → the operator's Deployment, Service with source
 * ranges and NetworkPolicy → pods marked ready as a kubelet would, an address given as a cloud would → the
 * REST API reports {@code ready} with the endpoint; an ACL change over REST reaches the load balancer;
 * delete cleans up.
 */
@QuarkusTest
@TestProfile(KubernetesPathE2E.KubernetesProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
class KubernetesPathE2E {

    static final String NS = "ignis-e2e";

    public static class KubernetesProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ignis.provisioner", "kubernetes", "ignis.kubernetes.namespace", NS,
                    // The test-only recording provisioner must not win over the real one.
                    "quarkus.arc.exclude-types", "dev.ignis.controlplane.testing.RecordingProvisioner");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(MockClusterResource.class));
        }
    }

    @Test
    void restCreateBecomesAServingEndpointAndAclChangesReachTheLoadBalancer() {
        KubernetesClient cluster = MockClusterResource.cluster();
        var tenant = newTenant("k8s");
        String id = deploy(tenant, unique("chat"));
        String name = "d-" + id;

        // The provisioner wrote the resource and its key Secret; the operator made the runtime objects.
        InferenceDeployment resource = await().atMost(Duration.ofSeconds(20)).until(
                () -> cluster.resources(InferenceDeployment.class).inNamespace(NS).withName(name).get(),
                r -> r != null);
        assertThat(resource.getSpec().getModel().getQuantization().name()).isEqualTo("fp16");
        assertThat(resource.getSpec().getAuth().getSecretName()).isEqualTo(name + "-keys");
        await().atMost(Duration.ofSeconds(20)).until(
                () -> cluster.apps().deployments().inNamespace(NS).withName(name).get() != null
                        && cluster.services().inNamespace(NS).withName(name).get() != null
                        && cluster.network().v1().networkPolicies().inNamespace(NS).withName(name).get() != null);
        await().atMost(Duration.ofSeconds(20)).until(() -> "deploying".equals(
                tenant.api().get("/v1/deployments/" + id).then().extract().path("status")));

        // Kubelet and cloud: the pods become ready and the load balancer gets its address.
        cluster.apps().deployments().inNamespace(NS).withName(name).editStatus(d -> {
            d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                    .withReplicas(1).withUpdatedReplicas(1).withReadyReplicas(1).withAvailableReplicas(1).build());
            return d;
        });
        cluster.services().inNamespace(NS).withName(name).editStatus(s -> {
            s.setStatus(new ServiceStatusBuilder().withNewLoadBalancer().addNewIngress().withIp("203.0.113.50")
                    .endIngress().endLoadBalancer().build());
            return s;
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> "ready".equals(
                tenant.api().get("/v1/deployments/" + id).then().extract().path("status")));
        tenant.api().get("/v1/deployments/" + id).then().statusCode(200)
                .body("endpoints[0].url", org.hamcrest.Matchers.equalTo("http://203.0.113.50/v1"));

        // An allowed-IP change over REST reaches the Service's loadBalancerSourceRanges.
        tenant.api().body(Map.of("acls", List.of(Map.of("ip", "198.51.100.0/24", "description", "office"))))
                .put("/v1/deployments/" + id + "/acls").then().statusCode(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> List.of("198.51.100.0/24").equals(
                cluster.services().inNamespace(NS).withName(name).get().getSpec().getLoadBalancerSourceRanges()));

        // Delete: the resource goes (its owned objects follow by garbage collection on a real cluster), and
        // once it is gone the deployment's record is removed.
        tenant.api().delete("/v1/deployments/" + id).then().statusCode(202);
        await().atMost(Duration.ofSeconds(20)).until(
                () -> cluster.resources(InferenceDeployment.class).inNamespace(NS).withName(name).get() == null);
        await().atMost(Duration.ofSeconds(20)).until(() -> tenant.api().get("/v1/deployments/" + id).then()
                .extract().statusCode() == 404);
    }
}
