package dev.ignis.controlplane.auth;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.UUID;

/** A new management key: its project defaults to the caller's, its role to {@code member}. */
public record ApiKeyRequest(@NotBlank @Size(max = 100) String name, UUID projectId, ApiKeyRole role) {
}
