package dev.ignis.controlplane.auth;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

public record ProjectRequest(
        @NotNull @Pattern(regexp = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?",
                message = "must be 1-63 lower-case letters, digits or '-', not starting or ending with '-'")
        String name) {
}
