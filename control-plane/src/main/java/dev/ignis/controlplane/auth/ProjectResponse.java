package dev.ignis.controlplane.auth;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

public record ProjectResponse(UUID id, String name, Instant createdAt) {

    static ProjectResponse of(ProjectEntity e) {
        return new ProjectResponse(e.id, e.name, e.createdAt);
    }

    public record Page(List<ProjectResponse> projects, long totalCount) {
    }
}
