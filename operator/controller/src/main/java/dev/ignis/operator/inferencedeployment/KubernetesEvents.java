package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.InferenceDeploymentStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records a Kubernetes Event when the phase or the Degraded reason changes, for {@code kubectl describe}. */
final class KubernetesEvents {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesEvents.class);

    private KubernetesEvents() {
    }

    static void onTransition(KubernetesClient client, InferenceDeployment primary, InferenceDeploymentStatus before,
            InferenceDeploymentStatus after) {
        var phaseBefore = before == null ? null : before.getPhase();
        Condition degradedBefore = before == null ? null : before.condition(InferenceDeploymentStatus.DEGRADED);
        Condition degradedAfter = after.condition(InferenceDeploymentStatus.DEGRADED);
        boolean degradedChanged = degradedAfter != null && "True".equals(degradedAfter.getStatus())
                && (degradedBefore == null || !Objects.equals(degradedBefore.getReason(), degradedAfter.getReason())
                        || !Objects.equals(degradedBefore.getMessage(), degradedAfter.getMessage()));
        if (phaseBefore == after.getPhase() && !degradedChanged) {
            return;
        }
        boolean warning = after.getPhase() == InferenceDeploymentStatus.Phase.Degraded;
        Condition cause = warning ? degradedAfter : after.condition(InferenceDeploymentStatus.READY);
        record(client, primary, warning ? "Warning" : "Normal", cause == null ? after.getPhase().name()
                : cause.getReason(), "phase " + after.getPhase() + (cause == null ? "" : ": " + cause.getMessage()));
    }

    private static void record(KubernetesClient client, InferenceDeployment primary, String type, String reason,
            String message) {
        String now = Instant.now().toString();
        var event = new EventBuilder()
                .withNewMetadata()
                    .withName(primary.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
                    .withNamespace(primary.getMetadata().getNamespace())
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                        .withApiVersion(primary.getApiVersion()).withKind(primary.getKind())
                        .withName(primary.getMetadata().getName()).withNamespace(primary.getMetadata().getNamespace())
                        .withUid(primary.getMetadata().getUid()).build())
                .withType(type)
                .withReason(reason)
                .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .withNewSource().withComponent("ignis-operator").endSource()
                .build();
        try {
            client.v1().events().inNamespace(primary.getMetadata().getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            // An event is a courtesy: failing to record one must not fail the reconciliation.
            LOG.warn("could not record event {} for {}: {}", reason, primary.getMetadata().getName(), e.getMessage());
        }
    }
}
