package dev.ignis.controlplane.deployment;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One line of a deployment's history: a status transition, a change and who made it. */
@Entity
@Table(name = "deployment_events")
public class DeploymentEventEntity extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "deployment_id", nullable = false)
    public UUID deploymentId;

    @Column(name = "occurred_at", nullable = false)
    public Instant occurredAt;

    @Column(nullable = false)
    public String kind;

    @Column(nullable = false)
    public String message;

    @Column(nullable = false)
    public String actor;

    /** Records an event in the current transaction. */
    public static void record(UUID deploymentId, String kind, String actor, String message) {
        DeploymentEventEntity event = new DeploymentEventEntity();
        event.deploymentId = deploymentId;
        event.occurredAt = Instant.now();
        event.kind = kind;
        event.actor = actor;
        event.message = message;
        event.persist();
    }
}
