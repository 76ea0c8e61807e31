package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The labels every object owned by one InferenceDeployment carries; the selector is a stable subset. */
final class RuntimeLabels {

    static final String INSTANCE = "ignis.dev/inference-deployment";
    static final int RUNTIME_PORT = 8000;
    static final String PORT_NAME = "http";

    private RuntimeLabels() {
    }

    /** Selects the runtime pods of one InferenceDeployment; never changes after creation. */
    static Map<String, String> selector(InferenceDeployment primary) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/name", "ignis-runtime");
        labels.put(INSTANCE, primary.getMetadata().getName());
        return labels;
    }

    static Map<String, String> all(InferenceDeployment primary) {
        Map<String, String> labels = selector(primary);
        labels.put("app.kubernetes.io/instance", primary.getMetadata().getName());
        labels.put("app.kubernetes.io/component", "runtime");
        labels.put("app.kubernetes.io/managed-by", "ignis-operator");
        return labels;
    }

    /**
     * The metadata of an object this resource owns: its name, the resource's namespace and labels, and an
     * annotation map (never null: the SDK records its own annotation there).
     */
    static ObjectMeta metadata(InferenceDeployment primary, String name) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(primary.getMetadata().getNamespace())
                .withLabels(all(primary))
                .withAnnotations(new LinkedHashMap<>())
                .build();
    }

    /** The selector as kubectl and the scale subresource write it. */
    static String selectorString(InferenceDeployment primary) {
        return selector(primary).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }
}
