package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The allowed list as the runtime reads it: a ConfigMap mounted into the pods, which the runtime reads again
 * every few seconds. A change of the allowed ranges therefore reaches running pods without a rollout (the
 * load balancer and the NetworkPolicy take it at once; the pods' copy follows within the kubelet's sync
 * period, about a minute).
 */
class RuntimeAccessConfigMapDependentResource extends OwnedDependentResource<ConfigMap> {

    static final String SUFFIX = "-access";
    static final String ALLOWED_IPS = "allowed-ips";

    RuntimeAccessConfigMapDependentResource() {
        super(ConfigMap.class);
    }

    static String name(InferenceDeployment primary) {
        return primary.getMetadata().getName() + SUFFIX;
    }

    @Override
    protected ConfigMap desired(InferenceDeployment primary, Context<InferenceDeployment> context) {
        return desired(primary);
    }

    ConfigMap desired(InferenceDeployment primary) {
        List<String> ranges = primary.getSpec().getAllowedSourceRanges() == null ? List.of()
                : primary.getSpec().getAllowedSourceRanges();
        LinkedHashMap<String, String> data = new LinkedHashMap<>();
        // One CIDR per line; empty: every address (the resource's own meaning of an empty list).
        data.put(ALLOWED_IPS, ranges.isEmpty() ? "" : String.join("\n", ranges) + "\n");
        return new ConfigMapBuilder()
                .withMetadata(RuntimeLabels.metadata(primary, name(primary)))
                .withData(data)
                .build();
    }
}
