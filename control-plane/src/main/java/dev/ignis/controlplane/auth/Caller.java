package dev.ignis.controlplane.auth;

import java.util.UUID;

/** Who is calling: the API key that authenticated the request, its project and role. */
public record Caller(UUID keyId, String keyName, String keyPrefix, UUID projectId, ApiKeyEntity.Role role) {

    public boolean admin() {
        return role == ApiKeyEntity.Role.ADMIN;
    }

    /** How the caller appears in event histories: never the secret, only its name and visible prefix. */
    public String actor() {
        return "key:" + keyName + " (" + keyPrefix + "…)";
    }
}
