package dev.ignis.controlplane.provisioner;

import java.util.UUID;

/**
 * The provisioner of a control plane that has none configured: it runs nothing and says so. Deployments
 * stay {@code creating} with a reason that names the setting; deleting one removes its record at once,
 * because nothing was started. Chosen by {@link ProvisionerSelection} when {@code ignis.provisioner} is
 * {@code none}.
 */
public class UnconfiguredProvisioner implements Provisioner {

    public static final String REASON =
            "no provisioner is configured (ignis.provisioner): nothing runs this deployment yet";

    private final ProvisionerEvents events;

    UnconfiguredProvisioner(ProvisionerEvents events) {
        this.events = events;
    }

    @Override
    public String name() {
        return "none";
    }

    @Override
    public void apply(DeploymentSpec spec) {
        // Nothing to start: the deployment keeps the status that says why.
    }

    @Override
    public void delete(UUID deploymentId) {
        events.deleted(deploymentId);
    }
}
