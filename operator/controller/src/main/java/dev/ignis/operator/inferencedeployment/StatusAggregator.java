package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.InferenceDeploymentStatus;
import dev.ignis.crd.v1alpha1.InferenceDeploymentStatus.Phase;
import dev.ignis.crd.v1alpha1.ServiceSpec;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds the status from what was observed: a pure function of the resource, its owned Deployment and
 * Service, the spec problems and the previous status. Each condition keeps its {@code lastTransitionTime}
 * unless its status changes.
 */
final class StatusAggregator {

    /** What the reconciler observed in one pass. */
    record Observed(InferenceDeployment primary, Deployment deployment, Service service, List<String> specProblems,
            String secretProblem, String runtimeProblem) {
    }

    private StatusAggregator() {
    }

    static InferenceDeploymentStatus aggregate(Observed observed, Instant now) {
        InferenceDeployment primary = observed.primary();
        long generation = primary.getMetadata().getGeneration() == null ? 0 : primary.getMetadata().getGeneration();
        InferenceDeploymentStatus previous = primary.getStatus() == null ? new InferenceDeploymentStatus()
                : primary.getStatus();
        InferenceDeploymentStatus status = new InferenceDeploymentStatus();
        status.setObservedGeneration(generation);
        status.setSelector(RuntimeLabels.selectorString(primary));

        Deployment deployment = observed.deployment();
        int desired = deployment != null && deployment.getSpec() != null && deployment.getSpec().getReplicas() != null
                ? deployment.getSpec().getReplicas() : primary.getSpec() == null || primary.getSpec().getReplicas()
                == null ? 1 : primary.getSpec().getReplicas().getMin();
        var ds = deployment == null ? null : deployment.getStatus();
        int replicas = ds == null || ds.getReplicas() == null ? 0 : ds.getReplicas();
        int ready = ds == null || ds.getReadyReplicas() == null ? 0 : ds.getReadyReplicas();
        int updated = ds == null || ds.getUpdatedReplicas() == null ? 0 : ds.getUpdatedReplicas();
        boolean deploymentCurrent = ds != null && deployment.getMetadata().getGeneration() != null
                && Objects.equals(ds.getObservedGeneration(), deployment.getMetadata().getGeneration());
        status.setReplicas(replicas);
        status.setReadyReplicas(ready);
        status.setReady(ready + "/" + desired);
        status.setEndpoint(endpoint(primary, observed.service()));

        // Degraded: a spec we cannot act on, a missing Secret, or a rollout Kubernetes gave up on.
        String degradedReason = null;
        String degradedMessage = null;
        if (!observed.specProblems().isEmpty()) {
            degradedReason = "InvalidSpec";
            degradedMessage = String.join("; ", observed.specProblems());
        } else if (observed.secretProblem() != null) {
            degradedReason = "SecretNotFound";
            degradedMessage = observed.secretProblem();
        } else if (observed.runtimeProblem() != null) {
            degradedReason = "RuntimeFailed";
            degradedMessage = observed.runtimeProblem();
        } else {
            DeploymentCondition stuck = deploymentCondition(deployment, "Progressing");
            DeploymentCondition failure = deploymentCondition(deployment, "ReplicaFailure");
            if (stuck != null && "False".equals(stuck.getStatus())) {
                degradedReason = stuck.getReason() == null ? "RolloutStuck" : stuck.getReason();
                degradedMessage = stuck.getMessage();
            } else if (failure != null && "True".equals(failure.getStatus())) {
                degradedReason = failure.getReason() == null ? "ReplicaFailure" : failure.getReason();
                degradedMessage = failure.getMessage();
            }
        }
        boolean degraded = degradedReason != null;
        boolean modelReady = ready > 0;
        boolean rolledOut = deploymentCurrent && updated >= desired && ready >= desired && replicas == updated;
        boolean endpointKnown = status.getEndpoint() != null;
        boolean isReady = !degraded && modelReady && ready >= desired && endpointKnown;

        List<Condition> conditions = new ArrayList<>();
        conditions.add(condition(previous, InferenceDeploymentStatus.READY, isReady,
                isReady ? "Serving" : degraded ? degradedReason : !modelReady ? "ModelLoading"
                        : !endpointKnown ? "AwaitingLoadBalancer" : "ScalingUp",
                isReady ? ready + " of " + desired + " replicas serve " + status.getEndpoint()
                        : degraded ? degradedMessage : ready + " of " + desired + " replicas ready"
                        + (endpointKnown ? "" : "; the load balancer has no address yet"),
                generation, now));
        conditions.add(condition(previous, InferenceDeploymentStatus.PROGRESSING, !degraded && !rolledOut,
                degraded ? "Stalled" : rolledOut ? "RolloutComplete" : deployment == null ? "Creating" : "RollingOut",
                degraded ? "blocked: " + degradedMessage : rolledOut ? "every replica runs the current spec"
                        : updated + " of " + desired + " replicas updated, " + ready + " ready",
                generation, now));
        conditions.add(condition(previous, InferenceDeploymentStatus.MODEL_READY, modelReady,
                modelReady ? "Loaded" : "ModelLoading",
                modelReady ? "the model is loaded in " + ready + " replica(s)"
                        : "no replica has loaded the model yet (download, checksum and load run at pod start)",
                generation, now));
        conditions.add(condition(previous, InferenceDeploymentStatus.DEGRADED, degraded,
                degraded ? degradedReason : "AsExpected", degraded ? degradedMessage : "no problem found",
                generation, now));
        status.setConditions(conditions);
        status.setPhase(degraded ? Phase.Degraded : isReady ? Phase.Ready
                : deployment == null ? Phase.Pending : Phase.Progressing);
        return status;
    }

    /** The base URL clients call: the load balancer's address, or the cluster DNS name for other types. */
    static String endpoint(InferenceDeployment primary, Service service) {
        if (service == null || service.getSpec() == null || service.getSpec().getPorts().isEmpty()) {
            return null;
        }
        int port = service.getSpec().getPorts().getFirst().getPort();
        if (ServiceSpec.Type.LoadBalancer.name().equals(service.getSpec().getType())) {
            if (service.getStatus() == null || service.getStatus().getLoadBalancer() == null
                    || service.getStatus().getLoadBalancer().getIngress().isEmpty()) {
                return null;
            }
            LoadBalancerIngress ingress = service.getStatus().getLoadBalancer().getIngress().getFirst();
            String host = ingress.getHostname() != null ? ingress.getHostname() : ingress.getIp();
            if (host == null) {
                return null;
            }
            if (host.contains(":")) {
                host = "[" + host + "]";
            }
            return "http://" + host + (port == 80 ? "" : ":" + port) + "/v1";
        }
        return "http://" + primary.getMetadata().getName() + "." + primary.getMetadata().getNamespace()
                + ".svc.cluster.local" + (port == 80 ? "" : ":" + port) + "/v1";
    }

    private static DeploymentCondition deploymentCondition(Deployment deployment, String type) {
        if (deployment == null || deployment.getStatus() == null) {
            return null;
        }
        return deployment.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst()
                .orElse(null);
    }

    private static Condition condition(InferenceDeploymentStatus previous, String type, boolean value, String reason,
            String message, long generation, Instant now) {
        String status = value ? "True" : "False";
        Condition before = previous.condition(type);
        String transition = before != null && status.equals(before.getStatus()) && before.getLastTransitionTime() != null
                ? before.getLastTransitionTime()
                : DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
        return new ConditionBuilder().withType(type).withStatus(status).withReason(reason)
                .withMessage(message).withObservedGeneration(generation).withLastTransitionTime(transition).build();
    }
}
