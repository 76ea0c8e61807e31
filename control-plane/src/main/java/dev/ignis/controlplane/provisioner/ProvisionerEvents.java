package dev.ignis.controlplane.provisioner;

import java.util.UUID;

/** How a provisioner reports progress: the control plane turns these into status and history. */
public interface ProvisionerEvents {

    /** Replicas are being created or rolled to a new spec. */
    void deploying(UUID deploymentId, String reason);

    /** Every endpoint answers; URLs are null for endpoint types the deployment does not have. */
    void ready(UUID deploymentId, String publicUrl, String privateUrl, String reason);

    /** The deployment cannot run as asked; the reason is shown to the user. */
    void failed(UUID deploymentId, String reason);

    /** Everything the deployment ran is gone: its record is removed. */
    void deleted(UUID deploymentId);
}
