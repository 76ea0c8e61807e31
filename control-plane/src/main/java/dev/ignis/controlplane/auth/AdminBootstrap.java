package dev.ignis.controlplane.auth;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * On first start, creates the {@code default} project and an admin key: the one from
 * {@code IGNIS_ADMIN_KEY} ({@code ignis.admin-key}) when set, otherwise a generated one that is printed
 * once on the console and never again (only its hash is stored).
 */
@ApplicationScoped
public class AdminBootstrap {

    private static final Logger LOG = Logger.getLogger(AdminBootstrap.class);
    static final String DEFAULT_PROJECT = "default";

    private final EntityManager em;
    private final Optional<String> configuredKey;

    AdminBootstrap(EntityManager em, @ConfigProperty(name = "ignis.admin-key") Optional<String> configuredKey) {
        this.em = em;
        this.configuredKey = configuredKey;
    }

    @Transactional
    void onStart(@Observes StartupEvent event) {
        configuredKey.ifPresent(AdminBootstrap::validate);
        // Several control-plane replicas may start together: one bootstraps, the others wait and see it done.
        em.createNativeQuery("select pg_advisory_xact_lock(4241)").getSingleResult();
        ProjectEntity project = ProjectEntity.findByName(DEFAULT_PROJECT);
        if (project == null) {
            project = new ProjectEntity();
            project.id = UUID.randomUUID();
            project.name = DEFAULT_PROJECT;
            project.createdAt = Instant.now();
            project.persist();
        }
        if (configuredKey.isPresent()) {
            byte[] hash = Secrets.hash(configuredKey.get());
            if (ApiKeyEntity.count("secretHash", (Object) hash) == 0) {
                ProjectService.newKey(project.id, "admin (IGNIS_ADMIN_KEY)", ApiKeyEntity.Role.ADMIN,
                        configuredKey.get());
                LOG.info("Registered the admin key given by IGNIS_ADMIN_KEY");
            }
            return;
        }
        if (ApiKeyEntity.count("role = ?1 and revokedAt is null", ApiKeyEntity.Role.ADMIN) == 0) {
            String secret = Secrets.generate("mk");
            ProjectService.newKey(project.id, "admin", ApiKeyEntity.Role.ADMIN, secret);
            // Printed on the console, not logged: this is the only time the secret exists in clear.
            System.out.println("""

                    ==> Ignis admin API key (shown once, store it now): %s
                        Use it as 'Authorization: Bearer <key>'. Set IGNIS_ADMIN_KEY to choose your own.
                    """.formatted(secret));
        }
    }

    private static void validate(String key) {
        if (key.length() < 32 || key.length() > 200 || key.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalStateException(
                    "ignis.admin-key (IGNIS_ADMIN_KEY) must be 32 to 200 characters without spaces");
        }
    }
}
