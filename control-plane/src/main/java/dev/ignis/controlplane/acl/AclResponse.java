package dev.ignis.controlplane.acl;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

public record AclResponse(UUID id, String ip, String description, Instant createdAt) {

    static AclResponse of(AclRuleEntity e) {
        return new AclResponse(e.id, e.cidr, e.description, e.createdAt);
    }

    public record Page(List<AclResponse> acls, long totalCount) {
    }
}
