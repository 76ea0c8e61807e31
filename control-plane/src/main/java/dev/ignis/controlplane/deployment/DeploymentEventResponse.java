package dev.ignis.controlplane.deployment;

import java.time.Instant;
import java.util.List;

public record DeploymentEventResponse(long id, Instant occurredAt, String kind, String message, String actor) {

    static DeploymentEventResponse of(DeploymentEventEntity e) {
        return new DeploymentEventResponse(e.id, e.occurredAt, e.kind, e.message, e.actor);
    }

    public record Page(List<DeploymentEventResponse> events, long totalCount) {
    }
}
