package dev.ignis.controlplane.auth;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A management API key. Only the SHA-256 of the secret is kept; the secret itself is shown once. */
@Entity
@Table(name = "api_keys")
public class ApiKeyEntity extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "project_id", nullable = false)
    public UUID projectId;

    @Column(nullable = false)
    public String name;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Role role;

    /** The first characters of the key, to tell keys apart in listings. Not secret. */
    @Column(nullable = false)
    public String prefix;

    @Column(name = "secret_hash", nullable = false, unique = true)
    public byte[] secretHash;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    public enum Role {
        /** Manages projects and keys, and the public model catalog. */
        ADMIN,
        /** Works inside its project only. */
        MEMBER
    }
}
