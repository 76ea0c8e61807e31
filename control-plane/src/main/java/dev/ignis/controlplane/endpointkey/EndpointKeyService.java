package dev.ignis.controlplane.endpointkey;

import dev.ignis.controlplane.auth.Caller;
import dev.ignis.controlplane.auth.Secrets;
import dev.ignis.controlplane.deployment.DeploymentEventEntity;
import dev.ignis.controlplane.deployment.DeploymentService;
import dev.ignis.controlplane.problem.ProblemException;
import dev.ignis.controlplane.problem.ProblemType;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Keys for calling a deployment's endpoints. The secret is returned once; the provisioner receives only
 * hashes, which the runtimes compare against the hash of each request's bearer token.
 */
@ApplicationScoped
public class EndpointKeyService {

    /** Active keys per deployment: enough for rotation and a few clients, small enough to check per request. */
    public static final int MAX_ACTIVE_KEYS = 20;

    private final DeploymentService deployments;

    EndpointKeyService(DeploymentService deployments) {
        this.deployments = deployments;
    }

    public EndpointKeyResponse.Page list(Caller caller, UUID deploymentId) {
        return QuarkusTransaction.joiningExisting().call(() -> {
            deployments.visible(caller, deploymentId);
            List<EndpointKeyResponse> keys = EndpointKeyEntity.<EndpointKeyEntity>list("deploymentId",
                    Sort.by("createdAt").and("id"), deploymentId).stream()
                    .map(k -> EndpointKeyResponse.of(k, null)).toList();
            return new EndpointKeyResponse.Page(keys, keys.size());
        });
    }

    public EndpointKeyResponse create(Caller caller, UUID deploymentId, EndpointKeyRequest request) {
        String secret = Secrets.generate("ek");
        return deployments.mutateChild(caller, deploymentId, d -> {
            long active = EndpointKeyEntity.count("deploymentId = ?1 and revokedAt is null", d.id);
            if (active >= MAX_ACTIVE_KEYS) {
                throw new ProblemException(ProblemType.CONFLICT, "a deployment has at most " + MAX_ACTIVE_KEYS
                        + " active endpoint keys; revoke one first");
            }
            EndpointKeyEntity key = new EndpointKeyEntity();
            key.id = UUID.randomUUID();
            key.deploymentId = d.id;
            key.name = request.name();
            key.prefix = Secrets.prefix(secret);
            key.secretHash = Secrets.hash(secret);
            key.createdAt = Instant.now();
            key.persist();
            DeploymentEventEntity.record(d.id, "endpoint-key", caller.actor(),
                    "created endpoint key '" + key.name + "' (" + key.prefix + "…)");
            return EndpointKeyResponse.of(key, secret);
        });
    }

    public void revoke(Caller caller, UUID deploymentId, UUID keyId) {
        deployments.mutateChild(caller, deploymentId, d -> {
            EndpointKeyEntity key = EndpointKeyEntity.findById(keyId);
            if (key == null || !key.deploymentId.equals(d.id) || key.revokedAt != null) {
                throw ProblemException.notFound("endpoint key", keyId);
            }
            key.revokedAt = Instant.now();
            DeploymentEventEntity.record(d.id, "endpoint-key", caller.actor(),
                    "revoked endpoint key '" + key.name + "' (" + key.prefix + "…)");
            return Boolean.TRUE;
        });
    }
}
