package dev.ignis.controlplane.provisioner;

import dev.ignis.controlplane.provisioner.kubernetes.KubernetesProvisioner;
import dev.ignis.controlplane.provisioner.local.LocalProvisioner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Chooses the {@link Provisioner} from {@code ignis.provisioner} when the application starts (not when it
 * is built), so one packaged control plane can run either way. Implementations are only instantiated
 * when chosen: an unselected local provisioner starts no process and checks none of its settings. An
 * unknown name yields the unconfigured provisioner, which {@link ProvisionerCheck} then refuses.
 */
@ApplicationScoped
class ProvisionerSelection {

    @Produces
    @ApplicationScoped
    Provisioner provisioner(@ConfigProperty(name = "ignis.provisioner", defaultValue = "none") String configured,
                            Instance<LocalProvisioner> local, Instance<KubernetesProvisioner> kubernetes,
                            ProvisionerEvents events) {
        return switch (configured) {
            case LocalProvisioner.NAME -> local.get();
            case KubernetesProvisioner.NAME -> kubernetes.get();
            default -> new UnconfiguredProvisioner(events);
        };
    }
}
