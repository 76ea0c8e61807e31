package dev.ignis.controlplane.auth;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The role of a management key as the API spells it. */
public enum ApiKeyRole {
    @JsonProperty("admin") ADMIN,
    @JsonProperty("member") MEMBER;

    ApiKeyEntity.Role toEntity() {
        return ApiKeyEntity.Role.valueOf(name());
    }

    static ApiKeyRole of(ApiKeyEntity.Role role) {
        return valueOf(role.name());
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
