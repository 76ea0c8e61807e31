package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.ServiceSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;

/**
 * The Service in front of the runtime pods. As a LoadBalancer it carries the allowed ranges as
 * {@code loadBalancerSourceRanges}, so the cloud load balancer drops every other source, and
 * {@code externalTrafficPolicy: Local}, so the pods see the client's own address and can check it again.
 */
class RuntimeServiceDependentResource extends OwnedDependentResource<Service> {

    public RuntimeServiceDependentResource() {
        super(Service.class);
    }

    @Override
    protected Service desired(InferenceDeployment primary, Context<InferenceDeployment> context) {
        return desired(primary);
    }

    Service desired(InferenceDeployment primary) {
        ServiceSpec service = primary.getSpec().getService() == null ? new ServiceSpec()
                : primary.getSpec().getService();
        boolean external = service.getType() != ServiceSpec.Type.ClusterIP;
        boolean loadBalancer = service.getType() == ServiceSpec.Type.LoadBalancer;
        List<String> ranges = primary.getSpec().getAllowedSourceRanges();
        var metadata = RuntimeLabels.metadata(primary, primary.getMetadata().getName());
        if (service.getAnnotations() != null) {
            metadata.getAnnotations().putAll(service.getAnnotations());
        }
        return new ServiceBuilder()
                .withMetadata(metadata)
                .withNewSpec()
                    .withType(service.getType().name())
                    .withSelector(RuntimeLabels.selector(primary))
                    .addNewPort()
                        .withName(RuntimeLabels.PORT_NAME)
                        .withProtocol("TCP")
                        .withPort(service.getPort())
                        .withNewTargetPort(RuntimeLabels.PORT_NAME)
                    .endPort()
                    .withExternalTrafficPolicy(external ? "Local" : null)
                    .withLoadBalancerSourceRanges(loadBalancer && ranges != null && !ranges.isEmpty()
                            ? List.copyOf(ranges) : null)
                .endSpec()
                .build();
    }
}
