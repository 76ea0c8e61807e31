package dev.ignis.operator;

import static dev.ignis.operator.testing.Awaits.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.operator.testing.MockKubernetes;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas with leader election on the mock API server: one holds the Lease and reconciles; when it
 * stops, the other takes the Lease over and reconciles what comes next.
 */
class LeaderElectionIT {

    private MockKubernetes kube;
    private KubernetesClient client;
    private IgnisOperator first;
    private IgnisOperator second;

    @BeforeEach
    void start() throws Exception {
        kube = new MockKubernetes().withCrd();
        client = kube.client();
        OperatorSettings settings = new OperatorSettings("registry.example/runtime:le", List.of(), "default",
                "ignis-operator-leader", 0, false);
        first = IgnisOperator.start(kube.client(), settings);
        second = IgnisOperator.start(kube.client(), settings);
    }

    @AfterEach
    void stop() {
        for (IgnisOperator o : new IgnisOperator[] {first, second}) {
            if (o != null) {
                o.close();
            }
        }
        kube.close();
    }

    private void create(String name) {
        client.resource(Serialization.unmarshal("""
                apiVersion: ignis.dev/v1alpha1
                kind: InferenceDeployment
                metadata: {name: %s, namespace: default}
                spec:
                  model: {name: m, uri: "https://models.example/m.gguf", quantization: int8}
                  auth: {disabled: true}
                """.formatted(name), InferenceDeployment.class)).create();
    }

    @Test
    void oneReplicaLeadsAndTheOtherTakesOver() {
        Lease lease = await(() -> {
            Lease l = client.leases().inNamespace("default").withName("ignis-operator-leader").get();
            return l != null && l.getSpec().getHolderIdentity() != null ? l : null;
        });
        String leader = lease.getSpec().getHolderIdentity();
        create("before");
        await(() -> client.apps().deployments().inNamespace("default").withName("before").get());

        // Stop whichever replica leads; the other one must take the Lease and reconcile new resources.
        IgnisOperator leading = leaderOf(leader);
        leading.close();
        if (leading == first) {
            first = null;
        } else {
            second = null;
        }
        Lease taken = await(() -> {
            Lease l = client.leases().inNamespace("default").withName("ignis-operator-leader").get();
            return l != null && l.getSpec().getHolderIdentity() != null
                    && !l.getSpec().getHolderIdentity().equals(leader) ? l : null;
        }, Duration.ofSeconds(45), () -> "the lease stayed with " + leader);
        assertThat(taken.getSpec().getHolderIdentity()).isNotEqualTo(leader);
        create("after");
        await(() -> client.apps().deployments().inNamespace("default").withName("after").get(),
                Duration.ofSeconds(30), () -> "the new leader did not reconcile");
    }

    /** Both replicas run in this JVM; each one's identity is set by the SDK (host name plus a random part). */
    private IgnisOperator leaderOf(String identity) {
        return first.leaderIdentity().equals(identity) ? first : second;
    }
}
