package dev.ignis.controlplane.deployment;

import dev.ignis.controlplane.provisioner.ProvisionerEvents;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The one place deployment status changes: user actions and provisioner reports both go through
 * {@link #transition}, which records every change in the event history. Reports that arrive for a
 * deployment being deleted or locked are ignored, so a late "ready" cannot resurrect it.
 */
@ApplicationScoped
public class DeploymentStatusUpdater implements ProvisionerEvents {

    private static final Logger LOG = Logger.getLogger(DeploymentStatusUpdater.class);
    static final String PROVISIONER = "provisioner";

    /** Sets status and reason in the current transaction and records the transition. */
    void transition(DeploymentEntity d, DeploymentStatus status, String reason, String actor) {
        if (d.status == status && Objects.equals(d.statusReason, reason)) {
            return;
        }
        String message = d.status == status ? status + ": " + reason : d.status + " -> " + status
                + (reason == null ? "" : ": " + reason);
        d.status = status;
        d.statusReason = reason;
        d.updatedAt = Instant.now();
        DeploymentEventEntity.record(d.id, "status", actor, message);
    }

    @Override
    public void deploying(UUID deploymentId, String reason) {
        report(deploymentId, d -> transition(d, DeploymentStatus.DEPLOYING, reason, PROVISIONER));
    }

    @Override
    public void ready(UUID deploymentId, String publicUrl, String privateUrl, String reason) {
        report(deploymentId, d -> {
            d.publicEndpointUrl = d.publicEndpoint ? publicUrl : null;
            d.privateEndpointUrl = d.privateEndpoint ? privateUrl : null;
            transition(d, DeploymentStatus.READY, reason, PROVISIONER);
        });
    }

    @Override
    public void failed(UUID deploymentId, String reason) {
        QuarkusTransaction.requiringNew().run(() -> {
            DeploymentEntity d = DeploymentEntity.findById(deploymentId, LockModeType.PESSIMISTIC_WRITE);
            if (d == null) {
                return;
            }
            if (d.status == DeploymentStatus.DELETING) {
                transition(d, DeploymentStatus.DELETING, reason, PROVISIONER);
            } else if (d.status != DeploymentStatus.LOCKED) {
                transition(d, DeploymentStatus.ERROR, reason, PROVISIONER);
            }
        });
    }

    @Override
    public void deleted(UUID deploymentId) {
        QuarkusTransaction.requiringNew().run(() -> {
            DeploymentEntity d = DeploymentEntity.findById(deploymentId, LockModeType.PESSIMISTIC_WRITE);
            if (d == null) {
                return;
            }
            if (d.status != DeploymentStatus.DELETING) {
                // Removed behind the control plane's back (e.g. kubectl delete): the record stays, and says so;
                // any update applies the deployment again.
                LOG.warnf("Provisioner reported deployment %s deleted while it is %s", deploymentId, d.status);
                if (d.status != DeploymentStatus.LOCKED) {
                    transition(d, DeploymentStatus.ERROR, "its replicas were removed outside the control plane;"
                            + " update the deployment to run it again", PROVISIONER);
                }
                return;
            }
            // Events, allowed IPs and endpoint keys go with it (ON DELETE CASCADE).
            d.delete();
        });
        LOG.infof("Deployment %s deleted", deploymentId);
    }

    private void report(UUID deploymentId, java.util.function.Consumer<DeploymentEntity> change) {
        QuarkusTransaction.requiringNew().run(() -> {
            DeploymentEntity d = DeploymentEntity.findById(deploymentId, LockModeType.PESSIMISTIC_WRITE);
            if (d == null) {
                LOG.debugf("Report for unknown deployment %s ignored", deploymentId);
                return;
            }
            if (!d.status.acceptsProvisionerReports()) {
                LOG.debugf("Report for deployment %s ignored: it is %s", deploymentId, d.status);
                return;
            }
            change.accept(d);
        });
    }
}
