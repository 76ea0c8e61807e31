package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * Lets voluntary disruptions (node drains, cluster upgrades) take one runtime pod at a time. One, not zero:
 * a single-replica deployment must not block a drain forever.
 */
class RuntimeDisruptionBudgetDependentResource
        extends OwnedDependentResource<PodDisruptionBudget> {

    public RuntimeDisruptionBudgetDependentResource() {
        super(PodDisruptionBudget.class);
    }

    @Override
    protected PodDisruptionBudget desired(InferenceDeployment primary, Context<InferenceDeployment> context) {
        return desired(primary);
    }

    PodDisruptionBudget desired(InferenceDeployment primary) {
        return new PodDisruptionBudgetBuilder()
                .withMetadata(RuntimeLabels.metadata(primary, primary.getMetadata().getName()))
                .withNewSpec()
                    .withMaxUnavailable(new IntOrString(1))
                    .withNewSelector().withMatchLabels(RuntimeLabels.selector(primary)).endSelector()
                .endSpec()
                .build();
    }
}
