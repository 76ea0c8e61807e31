package dev.ignis.controlplane.provisioner.kubernetes;

import dev.ignis.controlplane.provisioner.DeploymentSpec;
import dev.ignis.crd.v1alpha1.AuthSpec;
import dev.ignis.crd.v1alpha1.EngineSpec;
import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.InferenceDeploymentSpec;
import dev.ignis.crd.v1alpha1.ModelCacheSpec;
import dev.ignis.crd.v1alpha1.ModelSpec;
import dev.ignis.crd.v1alpha1.ReplicasSpec;
import dev.ignis.crd.v1alpha1.RuntimeSpec;
import dev.ignis.crd.v1alpha1.ServiceSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** A deployment's whole desired state as the custom resource the operator reconciles. Pure: no I/O. */
final class InferenceDeploymentMapper {

    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGER = "ignis-control-plane";
    static final String DEPLOYMENT_ID = "ignis.dev/deployment-id";
    static final String PROJECT_ID = "ignis.dev/project-id";
    static final String DEPLOYMENT_NAME = "ignis.dev/deployment-name";
    static final String GENERATION = "ignis.dev/deployment-generation";
    static final String KEYS_SUFFIX = "-keys";
    static final String KEYS_KEY = AuthSpec.DEFAULT_KEY;

    private InferenceDeploymentMapper() {
    }

    /** The resource's name: unique per deployment, a DNS-1035 label whatever the deployment is called. */
    static String name(UUID deploymentId) {
        return "d-" + deploymentId.toString().toLowerCase(Locale.ROOT);
    }

    static String keysSecretName(UUID deploymentId) {
        return name(deploymentId) + KEYS_SUFFIX;
    }

    /** The deployment id a resource we wrote carries, or null for one that is not ours. */
    static UUID deploymentId(InferenceDeployment resource) {
        Map<String, String> labels = resource.getMetadata().getLabels();
        if (labels == null || !MANAGER.equals(labels.get(MANAGED_BY)) || labels.get(DEPLOYMENT_ID) == null) {
            return null;
        }
        try {
            return UUID.fromString(labels.get(DEPLOYMENT_ID));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static InferenceDeployment toResource(DeploymentSpec spec, String namespace, KubernetesProvisionerConfig config) {
        InferenceDeployment resource = new InferenceDeployment();
        resource.getMetadata().setName(name(spec.id()));
        resource.getMetadata().setNamespace(namespace);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY, MANAGER);
        labels.put(DEPLOYMENT_ID, spec.id().toString());
        labels.put(PROJECT_ID, spec.projectId().toString());
        resource.getMetadata().setLabels(labels);
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(DEPLOYMENT_NAME, spec.name());
        annotations.put(GENERATION, Long.toString(spec.generation()));
        resource.getMetadata().setAnnotations(annotations);

        InferenceDeploymentSpec s = new InferenceDeploymentSpec();
        ModelSpec model = new ModelSpec();
        model.setName(modelName(spec.model().name()));
        model.setUri(spec.model().sourceUri());
        model.setSha256(spec.model().sha256() == null ? null : spec.model().sha256().toLowerCase(Locale.ROOT));
        model.setQuantization(ModelSpec.Quantization.valueOf(spec.model().quantization()));
        s.setModel(model);

        ReplicasSpec replicas = new ReplicasSpec();
        replicas.setMin(spec.minReplicas());
        replicas.setMax(spec.maxReplicas());
        s.setReplicas(replicas);

        // A replica gets its node type: requests and limits alike, so the scheduler places it on a node
        // that really has that much.
        Quantity cpu = new Quantity(Integer.toString(spec.vcpus()));
        Quantity memory = new Quantity(Long.toString(spec.memoryBytes() / (1024 * 1024)) + "Mi");
        s.setResources(new ResourceRequirementsBuilder().addToRequests("cpu", cpu).addToRequests("memory", memory)
                .addToLimits("cpu", cpu).addToLimits("memory", memory).build());
        s.setContextSize(spec.contextSize());
        EngineSpec engine = new EngineSpec();
        engine.setSlots(spec.slots() > 0 ? spec.slots() : null);
        engine.setThreads(spec.threads() > 0 ? spec.threads() : null);
        s.setEngine(engine);
        s.setAllowedSourceRanges(new ArrayList<>(spec.allowedCidrs()));

        AuthSpec auth = new AuthSpec();
        if (spec.requireKey()) {
            auth.setSecretName(keysSecretName(spec.id()));
        } else {
            auth.setDisabled(true);
        }
        s.setAuth(auth);

        ServiceSpec service = new ServiceSpec();
        service.setType(spec.publicEndpoint() ? ServiceSpec.Type.valueOf(config.publicServiceType())
                : ServiceSpec.Type.ClusterIP);
        s.setService(service);
        config.runtimeImage().ifPresent(image -> {
            RuntimeSpec runtime = new RuntimeSpec();
            runtime.setImage(image);
            s.setRuntime(runtime);
        });
        config.modelCacheClaim().ifPresent(claim -> {
            ModelCacheSpec cache = new ModelCacheSpec();
            cache.setPersistentVolumeClaim(claim);
            s.setModelCache(cache);
        });
        resource.setSpec(s);
        return resource;
    }

    /** The CRD's model name pattern ({@code ^[a-z0-9][a-z0-9._-]{0,62}$}) from a catalog name. */
    static String modelName(String name) {
        String lower = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
        if (lower.isEmpty() || !Character.isLetterOrDigit(lower.charAt(0))) {
            lower = "m" + lower;
        }
        return lower.length() > 63 ? lower.substring(0, 63) : lower;
    }
}
