package dev.ignis.controlplane.provisioner;

import java.util.List;
import java.util.UUID;

/**
 * The whole desired state of one deployment, as a provisioner needs it.
 *
 * @param generation increases with every change (the deployment's version), so stale applies can be told apart
 * @param allowedCidrs normalised CIDRs that may reach the endpoints; empty means every address
 * @param endpointKeySha256 hex SHA-256 of each active endpoint key: runtimes compare hashes, never secrets
 */
public record DeploymentSpec(UUID id, UUID projectId, String name, long generation, Model model,
                             String nodeType, int vcpus, long memoryBytes, int minReplicas, int maxReplicas,
                             int contextSize, int threads, int slots, boolean publicEndpoint,
                             boolean privateEndpoint, boolean requireKey, List<String> allowedCidrs,
                             List<String> endpointKeySha256) {

    /** The model variant to serve: where its file is and the precision to serve it at. */
    public record Model(String name, String task, String sourceUri, String sha256, String format,
                        String quantization) {
    }
}
