package dev.ignis.controlplane.endpointkey;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

public record EndpointKeyRequest(@NotBlank @Size(max = 100) String name) {
}
