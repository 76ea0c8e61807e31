package dev.ignis.controlplane.deployment;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.UUID;

/** Remembers which deployment a create with an {@code Idempotency-Key} made, and the request's hash. */
@Entity
@Table(name = "idempotency_keys")
public class IdempotencyKeyEntity extends PanacheEntityBase {

    @EmbeddedId
    public Key id;

    @Column(name = "request_hash", nullable = false)
    public byte[] requestHash;

    @Column(name = "deployment_id", nullable = false)
    public UUID deploymentId;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Embeddable
    public record Key(@Column(name = "project_id") UUID projectId, @Column(name = "key") String key)
            implements Serializable {
    }
}
