package dev.ignis.controlplane.deployment;

import dev.ignis.controlplane.model.Quantization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** A deployment as the API shows it. */
public record DeploymentResponse(UUID id, String name, UUID projectId, String model, UUID modelId,
                                 Quantization quantization, String nodeType, int minReplicas, int maxReplicas,
                                 int contextSize, Engine engine, List<String> tags, List<Endpoint> endpoints,
                                 DeploymentStatus status, String statusReason, Footprint footprint,
                                 long version, Instant createdAt, Instant updatedAt) {

    public record Engine(Integer threads, int slots) {
    }

    /** @param url null until the provisioner reports where the endpoint listens */
    public record Endpoint(EndpointType type, String url, boolean requiresKey) {
    }

    /** The memory one replica needs, and the node type's memory it must fit in. */
    public record Footprint(long weightBytes, long kvCacheBytes, long overheadBytes, long totalBytes,
                            long nodeMemoryBytes) {
    }

    public record Page(List<DeploymentResponse> deployments, long totalCount) {
    }

    static DeploymentResponse of(DeploymentEntity d, String modelName, Footprint footprint) {
        List<Endpoint> endpoints = new ArrayList<>();
        if (d.publicEndpoint) {
            endpoints.add(new Endpoint(EndpointType.PUBLIC, d.publicEndpointUrl, d.publicEndpointAuth));
        }
        if (d.privateEndpoint) {
            endpoints.add(new Endpoint(EndpointType.PRIVATE, d.privateEndpointUrl, d.privateEndpointAuth));
        }
        return new DeploymentResponse(d.id, d.name, d.projectId, modelName + ":" + d.quantization, d.modelId,
                d.quantization, d.nodeType, d.minReplicas, d.maxReplicas, d.contextSize,
                new Engine(d.threads, d.slots == null ? DeploymentService.DEFAULT_SLOTS : d.slots),
                Arrays.asList(d.tags), endpoints, d.status, d.statusReason, footprint, d.version, d.createdAt,
                d.updatedAt);
    }

    /** The strong ETag of this representation's version. */
    public String etag() {
        return "\"" + version + "\"";
    }
}
