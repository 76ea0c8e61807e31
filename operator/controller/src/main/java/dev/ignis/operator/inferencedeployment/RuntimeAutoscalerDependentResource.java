package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.ReplicasSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * Scales the runtime Deployment between min and max replicas; exists only while min &lt; max. With
 * {@code targetLoadPerPod} it scales on the runtime's own load signal, {@code ignis_load} (active plus waiting
 * requests), read per pod through the custom metrics API (a Prometheus adapter serves it); otherwise on CPU.
 */
class RuntimeAutoscalerDependentResource
        extends OwnedDependentResource<HorizontalPodAutoscaler> {

    /** The Prometheus name of the runtime's load gauge (see RuntimeMetrics in runtime/server). */
    static final String LOAD_METRIC = "ignis_load";

    public RuntimeAutoscalerDependentResource() {
        super(HorizontalPodAutoscaler.class);
    }

    /** Whether this resource wants an autoscaler at all. */
    static boolean wanted(InferenceDeployment primary) {
        ReplicasSpec replicas = primary.getSpec().getReplicas();
        return replicas != null && replicas.getMin() < replicas.getMax();
    }

    @Override
    protected HorizontalPodAutoscaler desired(InferenceDeployment primary, Context<InferenceDeployment> context) {
        return desired(primary);
    }

    HorizontalPodAutoscaler desired(InferenceDeployment primary) {
        ReplicasSpec replicas = primary.getSpec().getReplicas();
        MetricSpec metric;
        if (replicas.getTargetLoadPerPod() != null) {
            metric = new MetricSpecBuilder().withType("Pods")
                    .withNewPods()
                        .withNewMetric().withName(LOAD_METRIC).endMetric()
                        .withNewTarget().withType("AverageValue")
                            .withAverageValue(new Quantity(replicas.getTargetLoadPerPod().toString())).endTarget()
                    .endPods()
                    .build();
        } else {
            metric = new MetricSpecBuilder().withType("Resource")
                    .withNewResource()
                        .withName("cpu")
                        .withNewTarget().withType("Utilization")
                            .withAverageUtilization(replicas.getTargetCpuUtilization()).endTarget()
                    .endResource()
                    .build();
        }
        return new HorizontalPodAutoscalerBuilder()
                .withMetadata(RuntimeLabels.metadata(primary, primary.getMetadata().getName()))
                .withNewSpec()
                    .withNewScaleTargetRef()
                        .withApiVersion("apps/v1").withKind("Deployment")
                        .withName(primary.getMetadata().getName())
                    .endScaleTargetRef()
                    .withMinReplicas(replicas.getMin())
                    .withMaxReplicas(replicas.getMax())
                    .withMetrics(metric)
                .endSpec()
                .build();
    }
}
