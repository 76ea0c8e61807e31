package dev.ignis.controlplane.deployment;

import dev.ignis.controlplane.model.ModelEntity;
import dev.ignis.controlplane.provisioner.DeploymentSpec;
import dev.ignis.controlplane.provisioner.Provisioner;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * At start-up, hands every deployment to the provisioner again: a control plane that restarts (or
 * crashed between a commit and its apply) brings the provisioner back to what the database says.
 * Deployments being deleted are deleted again, so a deletion interrupted by a restart completes.
 * Observed after {@code ProvisionerCheck}, which refuses an unknown provisioner first.
 */
@ApplicationScoped
class DeploymentReconciler {

    private static final Logger LOG = Logger.getLogger(DeploymentReconciler.class);

    private final DeploymentService deployments;
    private final DeploymentStatusUpdater statusUpdater;
    private final Provisioner provisioner;

    DeploymentReconciler(DeploymentService deployments, DeploymentStatusUpdater statusUpdater, Provisioner provisioner) {
        this.deployments = deployments;
        this.statusUpdater = statusUpdater;
        this.provisioner = provisioner;
    }

    void reconcile(@Observes @Priority(5000) StartupEvent event) {
        List<DeploymentSpec> specs = new ArrayList<>();
        List<UUID> deleting = new ArrayList<>();
        QuarkusTransaction.requiringNew().run(() -> {
            for (DeploymentEntity d : DeploymentEntity.<DeploymentEntity>listAll()) {
                if (d.status == DeploymentStatus.DELETING) {
                    deleting.add(d.id);
                } else {
                    specs.add(deployments.specOf(d, ModelEntity.findById(d.modelId)));
                }
            }
        });
        LOG.infof("Reconciling %d deployment(s) and %d deletion(s) with the %s provisioner", specs.size(),
                deleting.size(), provisioner.name());
        for (DeploymentSpec spec : specs) {
            try {
                provisioner.apply(spec);
            } catch (RuntimeException e) {
                LOG.errorf(e, "The %s provisioner failed to apply deployment %s", provisioner.name(), spec.id());
                statusUpdater.failed(spec.id(), "the " + provisioner.name() + " provisioner could not apply it");
            }
        }
        for (UUID id : deleting) {
            try {
                provisioner.delete(id);
            } catch (RuntimeException e) {
                LOG.errorf(e, "The %s provisioner failed to delete deployment %s", provisioner.name(), id);
            }
        }
        List<UUID> live = new ArrayList<>(deleting);
        specs.forEach(spec -> live.add(spec.id()));
        try {
            provisioner.reconciled(live);
        } catch (RuntimeException e) {
            LOG.errorf(e, "The %s provisioner could not look for orphans", provisioner.name());
        }
    }
}
