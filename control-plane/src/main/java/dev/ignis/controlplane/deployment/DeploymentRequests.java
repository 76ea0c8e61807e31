package dev.ignis.controlplane.deployment;

import dev.ignis.controlplane.acl.AclRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/** The bodies of create and update requests. */
public final class DeploymentRequests {

    static final String NAME = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
    static final String NAME_MESSAGE = "must be 1-63 lower-case letters, digits or '-', not starting or ending with '-'";
    static final String TAG = "[A-Za-z0-9][A-Za-z0-9._:/=-]{0,62}";
    static final String TAG_MESSAGE = "must be 1-63 letters, digits or '.', '_', ':', '/', '=', '-'";
    public static final int MAX_REPLICAS = 50;

    private DeploymentRequests() {
    }

    /**
     * @param model a deployable variant {@code <model name>:<quantization>}
     * @param endpoints defaults to one public endpoint that needs a key
     * @param acls the initial allowed IPs; none means every address may connect
     */
    public record Create(
            @NotNull @Pattern(regexp = NAME, message = NAME_MESSAGE) String name,
            @NotBlank @Size(max = 120) String model,
            @NotBlank @Size(max = 64) String nodeType,
            @Min(1) @Max(MAX_REPLICAS) Integer minReplicas,
            @Min(1) @Max(MAX_REPLICAS) Integer maxReplicas,
            @Min(16) @Max(1048576) Integer contextSize,
            @Valid Engine engine,
            @Size(max = 20) List<@NotNull @Pattern(regexp = TAG, message = TAG_MESSAGE) String> tags,
            @Size(min = 1, max = 2) List<@NotNull @Valid Endpoint> endpoints,
            @Size(max = 64) List<AclRequest.@NotNull @Valid Rule> acls) {
    }

    /** A partial update: absent fields keep their value. */
    public record Update(
            @Pattern(regexp = NAME, message = NAME_MESSAGE) String name,
            @Size(max = 120) String model,
            @Min(1) @Max(MAX_REPLICAS) Integer minReplicas,
            @Min(1) @Max(MAX_REPLICAS) Integer maxReplicas,
            @Min(16) @Max(1048576) Integer contextSize,
            @Valid Engine engine,
            @Size(max = 20) List<@NotNull @Pattern(regexp = TAG, message = TAG_MESSAGE) String> tags) {
    }

    /** Engine settings of each replica. */
    public record Engine(@Min(1) @Max(256) Integer threads, @Min(1) @Max(256) Integer slots) {
    }

    /** @param disableAuth true to serve without endpoint keys (the allowed IPs still apply) */
    public record Endpoint(@NotNull EndpointType type, Boolean disableAuth) {
    }
}
