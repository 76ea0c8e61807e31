package dev.ignis.controlplane.endpointkey;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** An endpoint key; {@code secret} appears only in the response that created it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EndpointKeyResponse(UUID id, UUID deploymentId, String name, String prefix, Instant createdAt,
                                  Instant revokedAt, String secret) {

    static EndpointKeyResponse of(EndpointKeyEntity e, String secret) {
        return new EndpointKeyResponse(e.id, e.deploymentId, e.name, e.prefix, e.createdAt, e.revokedAt, secret);
    }

    public record Page(List<EndpointKeyResponse> keys, long totalCount) {
    }
}
