package dev.ignis.controlplane.endpointkey;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A key for calling one deployment's endpoints (not the management API). Only its hash is kept. */
@Entity
@Table(name = "endpoint_keys")
public class EndpointKeyEntity extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "deployment_id", nullable = false)
    public UUID deploymentId;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false)
    public String prefix;

    @Column(name = "secret_hash", nullable = false, unique = true)
    public byte[] secretHash;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;
}
