package dev.ignis.controlplane.provisioner;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Fails start-up when {@code ignis.provisioner} names an implementation this build does not have. */
@ApplicationScoped
class ProvisionerCheck {

    private static final Logger LOG = Logger.getLogger(ProvisionerCheck.class);

    void check(@Observes StartupEvent event, Provisioner provisioner,
               @ConfigProperty(name = "ignis.provisioner", defaultValue = "none") String configured) {
        if (!configured.equals(provisioner.name())) {
            throw new IllegalStateException("ignis.provisioner (IGNIS_PROVISIONER) is '" + configured
                    + "': it must be one of none, local, kubernetes");
        }
        if (provisioner.name().equals("none")) {
            LOG.warn("No provisioner configured (ignis.provisioner=none): deployments are recorded but not run");
        } else {
            LOG.infof("Provisioner: %s", provisioner.name());
        }
    }
}
