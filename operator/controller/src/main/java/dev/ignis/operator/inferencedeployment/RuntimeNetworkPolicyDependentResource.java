package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;

/**
 * Admits only the allowed ranges to the runtime port, for clusters whose network plugin enforces policies
 * (the load balancer is the first gate; this one also covers node ports and in-cluster clients). With no
 * ranges the port is open to all, as the resource asks. The operator's pods may also reach it, to read
 * {@code /health/ready}. Nothing else may reach the pods.
 */
class RuntimeNetworkPolicyDependentResource
        extends OwnedDependentResource<NetworkPolicy> {

    /** The label of the operator's pods (the Helm chart sets it) that admits them to the runtime port. */
    static final String OPERATOR_LABEL = "ignis.dev/role";
    static final String OPERATOR_ROLE = "operator";

    public RuntimeNetworkPolicyDependentResource() {
        super(NetworkPolicy.class);
    }

    @Override
    protected NetworkPolicy desired(InferenceDeployment primary, Context<InferenceDeployment> context) {
        return desired(primary);
    }

    NetworkPolicy desired(InferenceDeployment primary) {
        List<String> ranges = primary.getSpec().getAllowedSourceRanges() == null ? List.of()
                : primary.getSpec().getAllowedSourceRanges();
        List<NetworkPolicyPeer> from = ranges.stream()
                .map(r -> new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(r).endIpBlock().build())
                .toList();
        var rule = new NetworkPolicyIngressRuleBuilder()
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(RuntimeLabels.RUNTIME_PORT)).endPort()
                .withFrom(from.isEmpty() ? null : from)
                .build();
        // The operator reads each unready runtime's /health/ready to report why it is not ready.
        var operator = new NetworkPolicyIngressRuleBuilder()
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(RuntimeLabels.RUNTIME_PORT)).endPort()
                .addNewFrom()
                    .withNewNamespaceSelector().endNamespaceSelector()
                    .withNewPodSelector().addToMatchLabels(OPERATOR_LABEL, OPERATOR_ROLE).endPodSelector()
                .endFrom()
                .build();
        return new NetworkPolicyBuilder()
                .withMetadata(RuntimeLabels.metadata(primary, primary.getMetadata().getName()))
                .withNewSpec()
                    .withNewPodSelector().withMatchLabels(RuntimeLabels.selector(primary)).endPodSelector()
                    .withPolicyTypes("Ingress")
                    .withIngress(rule, operator)
                .endSpec()
                .build();
    }
}
