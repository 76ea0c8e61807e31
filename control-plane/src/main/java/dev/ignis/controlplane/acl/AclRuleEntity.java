package dev.ignis.controlplane.acl;

import dev.ignis.acl.Cidr;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One allowed source range of a deployment, stored normalised ({@link Cidr#toString()}). */
@Entity
@Table(name = "acl_rules")
public class AclRuleEntity extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "deployment_id", nullable = false)
    public UUID deploymentId;

    @Column(nullable = false)
    public String cidr;

    public String description;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
