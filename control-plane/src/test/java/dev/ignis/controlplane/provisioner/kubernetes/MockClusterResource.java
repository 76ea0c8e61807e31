package dev.ignis.controlplane.provisioner.kubernetes;

import dev.ignis.operator.IgnisOperator;
import dev.ignis.operator.OperatorSettings;
import dev.ignis.operator.testing.MockKubernetes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.List;
import java.util.Map;

/**
 * A cluster for the control plane's kubernetes provisioner: Fabric8's mock API server with the generated CRD,
 * and the Ignis operator reconciling against it, as the Helm chart would run them side by side.
 */
public class MockClusterResource implements QuarkusTestResourceLifecycleManager {

    static volatile MockKubernetes kube;
    static volatile IgnisOperator operator;

    /** The cluster's client, for what the test plays: kubelet (pods ready) and cloud (load balancer address). */
    static KubernetesClient cluster() {
        return kube.client();
    }

    @Override
    public Map<String, String> start() {
        kube = new MockKubernetes().withCrd();
        try {
            operator = IgnisOperator.start(kube.client(), new OperatorSettings("registry.example/runtime:e2e",
                    List.of(), null, "unused", 0));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of(
                "ignis.kubernetes.api-server-url", kube.url(),
                "ignis.kubernetes.trust-certs", "true",
                "ignis.kubernetes.token", "mock-token");
    }

    @Override
    public void stop() {
        if (operator != null) {
            operator.close();
        }
        if (kube != null) {
            kube.close();
        }
    }
}
