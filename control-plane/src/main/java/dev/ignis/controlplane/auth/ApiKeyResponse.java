package dev.ignis.controlplane.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A management key as listed; {@code secret} is present only in the response that created it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiKeyResponse(UUID id, String name, UUID projectId, ApiKeyRole role, String prefix,
                             Instant createdAt, Instant revokedAt, String secret) {

    static ApiKeyResponse of(ApiKeyEntity e, String secret) {
        return new ApiKeyResponse(e.id, e.name, e.projectId, ApiKeyRole.of(e.role), e.prefix, e.createdAt,
                e.revokedAt, secret);
    }

    public record Page(List<ApiKeyResponse> apiKeys, long totalCount) {
    }
}
