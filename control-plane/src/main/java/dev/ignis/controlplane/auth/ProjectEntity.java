package dev.ignis.controlplane.auth;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A tenant: API keys, deployments and custom models belong to exactly one project. */
@Entity
@Table(name = "projects")
public class ProjectEntity extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(nullable = false, unique = true)
    public String name;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    public static ProjectEntity findByName(String name) {
        return find("name", name).firstResult();
    }
}
