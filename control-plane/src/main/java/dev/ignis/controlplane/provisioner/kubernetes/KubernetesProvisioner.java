package dev.ignis.controlplane.provisioner.kubernetes;

import dev.ignis.controlplane.provisioner.DeploymentSpec;
import dev.ignis.controlplane.provisioner.Provisioner;
import dev.ignis.controlplane.provisioner.ProvisionerEvents;
import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.InferenceDeploymentStatus;
import dev.ignis.crd.v1alpha1.ServiceSpec;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Runs each deployment as an {@code InferenceDeployment} custom resource (the operator does the rest) and
 * mirrors the resources' status back: an informer turns {@code Ready} into {@code ready} with the endpoint,
 * {@code Degraded} into {@code error} with the operator's message, anything else into {@code deploying}, and
 * a resource that is gone into {@code deleted}. Endpoint keys go into a Secret the resource references (their
 * SHA-256 hashes only), owned by the resource so that it goes with it.
 */
@ApplicationScoped
@Typed(KubernetesProvisioner.class) // chosen by name (ignis.provisioner), never as the default Provisioner
public class KubernetesProvisioner implements Provisioner, AutoCloseable {

    public static final String NAME = "kubernetes";
    private static final Logger LOG = Logger.getLogger(KubernetesProvisioner.class);
    private static final int CONFLICT_RETRIES = 8;

    private final KubernetesClient client;
    private final KubernetesProvisionerConfig config;
    private final ProvisionerEvents events;
    private final String namespace;
    private volatile SharedIndexInformer<InferenceDeployment> informer;

    public KubernetesProvisioner(KubernetesClient client, KubernetesProvisionerConfig config, ProvisionerEvents events) {
        this.client = client;
        this.config = config;
        this.events = events;
        this.namespace = config.namespace();
        if (!namespace.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
            throw new IllegalArgumentException("ignis.kubernetes.namespace: '" + namespace
                    + "' is not a namespace name");
        }
        try {
            ServiceSpec.Type.valueOf(config.publicServiceType());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ignis.kubernetes.public-service-type must be LoadBalancer, NodePort"
                    + " or ClusterIP, got '" + config.publicServiceType() + "'");
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Starts mirroring the resources' status; idempotent. */
    public synchronized void start() {
        if (informer != null) {
            return;
        }
        informer = client.resources(InferenceDeployment.class).inNamespace(namespace)
                .withLabel(InferenceDeploymentMapper.MANAGED_BY, InferenceDeploymentMapper.MANAGER)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(InferenceDeployment resource) {
                        mirror(resource);
                    }

                    @Override
                    public void onUpdate(InferenceDeployment before, InferenceDeployment after) {
                        mirror(after);
                    }

                    @Override
                    public void onDelete(InferenceDeployment resource, boolean finalStateUnknown) {
                        UUID id = InferenceDeploymentMapper.deploymentId(resource);
                        if (id != null) {
                            events.deleted(id);
                        }
                    }
                });
        LOG.infof("Kubernetes provisioner: InferenceDeployments in namespace %s", namespace);
    }

    @Override
    public void apply(DeploymentSpec spec) {
        start();
        InferenceDeployment desired = InferenceDeploymentMapper.toResource(spec, namespace, config);
        InferenceDeployment written = write(desired);
        if (spec.requireKey()) {
            writeKeys(spec, written);
        }
        events.deploying(spec.id(), "InferenceDeployment " + namespace + "/" + desired.getMetadata().getName()
                + " applied (generation " + spec.generation() + ")");
    }

    /** Creates the resource, or replaces its spec, labels and annotations (the status is the operator's). */
    private InferenceDeployment write(InferenceDeployment desired) {
        var resources = client.resources(InferenceDeployment.class).inNamespace(namespace);
        for (int attempt = 0; ; attempt++) {
            InferenceDeployment current = resources.withName(desired.getMetadata().getName()).get();
            try {
                if (current == null) {
                    return resources.resource(desired).create();
                }
                long ours = Long.parseLong(desired.getMetadata().getAnnotations()
                        .get(InferenceDeploymentMapper.GENERATION));
                String theirs = current.getMetadata().getAnnotations() == null ? null
                        : current.getMetadata().getAnnotations().get(InferenceDeploymentMapper.GENERATION);
                if (theirs != null && Long.parseLong(theirs) > ours) {
                    LOG.debugf("Skipping stale apply of %s (generation %d < %s)", desired.getMetadata().getName(), ours,
                            theirs);
                    return current;
                }
                current.setSpec(desired.getSpec());
                current.getMetadata().setLabels(desired.getMetadata().getLabels());
                current.getMetadata().setAnnotations(desired.getMetadata().getAnnotations());
                return resources.resource(current).update();
            } catch (KubernetesClientException e) {
                if ((e.getCode() != 409) || attempt == CONFLICT_RETRIES) {
                    throw e;
                }
            }
        }
    }

    /**
     * The Secret of hashes the resource references. With keys required but none active, a hash of random
     * bytes nobody holds: the runtime reads an empty list as "no keys needed", which is the opposite.
     */
    private void writeKeys(DeploymentSpec spec, InferenceDeployment owner) {
        List<String> hashes = spec.endpointKeySha256();
        String value = hashes.isEmpty() ? unguessableHash() : String.join(",", hashes);
        Secret secret = new SecretBuilder()
                .withNewMetadata()
                    .withName(InferenceDeploymentMapper.keysSecretName(spec.id()))
                    .withNamespace(namespace)
                    .withLabels(Map.of(InferenceDeploymentMapper.MANAGED_BY, InferenceDeploymentMapper.MANAGER,
                            InferenceDeploymentMapper.DEPLOYMENT_ID, spec.id().toString()))
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion())
                            .withKind(owner.getKind()).withName(owner.getMetadata().getName())
                            .withUid(owner.getMetadata().getUid()).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withType("Opaque")
                .withStringData(Map.of(InferenceDeploymentMapper.KEYS_KEY, value))
                .build();
        var secrets = client.secrets().inNamespace(namespace);
        for (int attempt = 0; ; attempt++) {
            try {
                Secret current = secrets.withName(secret.getMetadata().getName()).get();
                if (current == null) {
                    secrets.resource(secret).create();
                } else {
                    current.setData(null);
                    current.setStringData(secret.getStringData());
                    current.getMetadata().setOwnerReferences(secret.getMetadata().getOwnerReferences());
                    secrets.resource(current).update();
                }
                return;
            } catch (KubernetesClientException e) {
                if ((e.getCode() != 409) || attempt == CONFLICT_RETRIES) {
                    throw e;
                }
            }
        }
    }

    private static String unguessableHash() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void delete(UUID deploymentId) {
        start();
        var resource = client.resources(InferenceDeployment.class).inNamespace(namespace)
                .withName(InferenceDeploymentMapper.name(deploymentId));
        if (resource.get() == null) {
            events.deleted(deploymentId);
            return;
        }
        // The operator's objects and the key Secret follow through their owner references; the informer
        // reports the deletion when the resource is gone.
        resource.delete();
    }

    /**
     * After a restart: every live deployment has been applied again; resources of ours whose deployment no
     * longer exists are reported, and deleted when {@code ignis.kubernetes.prune-orphans} says so.
     */
    @Override
    public void reconciled(Collection<UUID> liveDeployments) {
        start();
        Set<UUID> live = Set.copyOf(liveDeployments);
        for (InferenceDeployment resource : client.resources(InferenceDeployment.class).inNamespace(namespace)
                .withLabel(InferenceDeploymentMapper.MANAGED_BY, InferenceDeploymentMapper.MANAGER).list().getItems()) {
            UUID id = InferenceDeploymentMapper.deploymentId(resource);
            if (id == null || live.contains(id)) {
                continue;
            }
            if (config.pruneOrphans()) {
                LOG.warnf("InferenceDeployment %s/%s has no deployment: deleting it (ignis.kubernetes.prune-orphans)",
                        namespace, resource.getMetadata().getName());
                client.resource(resource).delete();
            } else {
                LOG.warnf("InferenceDeployment %s/%s has no deployment; set ignis.kubernetes.prune-orphans=true to"
                        + " delete such resources", namespace, resource.getMetadata().getName());
            }
        }
    }

    /** Status of the resource → the deployment's status, through the one state machine. */
    void mirror(InferenceDeployment resource) {
        UUID id = InferenceDeploymentMapper.deploymentId(resource);
        InferenceDeploymentStatus status = resource.getStatus();
        if (id == null || status == null || status.getPhase() == null || resource.getMetadata().getDeletionTimestamp()
                != null) {
            return;
        }
        Long generation = resource.getMetadata().getGeneration();
        if (generation != null && status.getObservedGeneration() != null
                && status.getObservedGeneration() < generation) {
            return; // the operator has not seen the latest spec yet
        }
        switch (status.getPhase()) {
            case Ready -> {
                boolean internal = resource.getSpec().getService() != null
                        && resource.getSpec().getService().getType() == ServiceSpec.Type.ClusterIP;
                events.ready(id, internal ? null : status.getEndpoint(), internal ? status.getEndpoint()
                        : clusterUrl(resource), reason(status, InferenceDeploymentStatus.READY));
            }
            case Degraded -> events.failed(id, reason(status, InferenceDeploymentStatus.DEGRADED));
            case Pending, Progressing -> events.deploying(id, reason(status, InferenceDeploymentStatus.READY));
        }
    }

    /** The in-cluster address, which every deployment also has. */
    private static String clusterUrl(InferenceDeployment resource) {
        int port = resource.getSpec().getService() == null ? 80 : resource.getSpec().getService().getPort();
        return "http://" + resource.getMetadata().getName() + "." + resource.getMetadata().getNamespace()
                + ".svc.cluster.local" + (port == 80 ? "" : ":" + port) + "/v1";
    }

    private static String reason(InferenceDeploymentStatus status, String type) {
        Condition c = status.condition(type);
        if (c == null) {
            return status.getPhase().name();
        }
        return c.getReason() + (c.getMessage() == null || c.getMessage().isBlank() ? "" : ": " + c.getMessage());
    }

    @PreDestroy
    @Override
    public synchronized void close() {
        if (informer != null) {
            informer.close();
            informer = null;
        }
    }
}
