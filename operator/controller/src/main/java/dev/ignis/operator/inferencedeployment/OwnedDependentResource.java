package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import java.util.ArrayList;
import java.util.List;

/**
 * An object an InferenceDeployment owns, and controls: its owner reference says {@code controller: true} and
 * {@code blockOwnerDeletion: true}, so the garbage collector deletes it with its owner (foreground deletion
 * waits for it) and no other controller adopts it.
 */
abstract class OwnedDependentResource<R extends HasMetadata>
        extends CRUDKubernetesDependentResource<R, InferenceDeployment> {

    OwnedDependentResource(Class<R> type) {
        super(type);
    }

    @Override
    protected void addReferenceHandlingMetadata(R desired, InferenceDeployment primary) {
        var reference = new OwnerReferenceBuilder()
                .withApiVersion(primary.getApiVersion())
                .withKind(primary.getKind())
                .withName(primary.getMetadata().getName())
                .withUid(primary.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
        List<io.fabric8.kubernetes.api.model.OwnerReference> references = new ArrayList<>();
        references.add(reference);
        desired.getMetadata().setOwnerReferences(references);
    }
}
