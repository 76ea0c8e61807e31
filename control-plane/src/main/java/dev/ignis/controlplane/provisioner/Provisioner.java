package dev.ignis.controlplane.provisioner;

import java.util.Collection;
import java.util.UUID;

/**
 * Turns deployments into running replicas. The control plane calls it after every committed change, with
 * the whole desired state (so calls are idempotent and a missed one is repaired by the next), and the
 * provisioner reports back through {@link ProvisionerEvents}. Implementations: Kubernetes (one
 * {@code InferenceDeployment} custom resource per deployment) and local processes, chosen by
 * {@code ignis.provisioner}.
 */
public interface Provisioner {

    /** The value of {@code ignis.provisioner} that selects this implementation. */
    String name();

    /** Create the deployment's replicas, or bring them to this spec. Must not block for long. */
    void apply(DeploymentSpec spec);

    /** Remove everything the deployment runs, then report {@link ProvisionerEvents#deleted}. */
    void delete(UUID deploymentId);

    /**
     * Called at start-up once every deployment has been applied (or deleted) again, with the ids of all the
     * deployments that exist: what the provisioner runs for any other id is an orphan of an earlier life.
     */
    default void reconciled(Collection<UUID> liveDeployments) {
    }
}
