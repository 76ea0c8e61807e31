package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.AuthSpec;
import dev.ignis.crd.v1alpha1.EngineSpec;
import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.InferenceDeploymentSpec;
import dev.ignis.crd.v1alpha1.ModelCacheSpec;
import dev.ignis.crd.v1alpha1.ReplicasSpec;
import dev.ignis.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runtime pods. The runtime downloads the model into the cache volume and checks its SHA-256 before it
 * loads it; readiness ({@code /health/ready}) only passes once the model is loaded, so a rolling update (zero
 * unavailable, one surge) never drops traffic. Pods run as non-root on a read-only root filesystem.
 */
class RuntimeDeploymentDependentResource extends OwnedDependentResource<Deployment> {

    static final String CACHE_PATH = "/var/cache/ignis";
    static final String ACCESS_PATH = "/etc/ignis/access";
    static final String KEYS_PATH = "/etc/ignis/keys";
    static final String KEYS_FILE = "api-key-sha256";
    static final String CONTAINER = "runtime";

    private final OperatorSettings settings;

    public RuntimeDeploymentDependentResource(OperatorSettings settings) {
        super(Deployment.class);
        this.settings = settings;
    }

    @Override
    protected Deployment desired(InferenceDeployment primary, Context<InferenceDeployment> context) {
        Integer current = context.getSecondaryResource(Deployment.class)
                .map(d -> d.getSpec() == null ? null : d.getSpec().getReplicas()).orElse(null);
        return desiredFor(primary, current);
    }

    /**
     * The Deployment for this resource. When an autoscaler runs (min &lt; max) the replica count is the
     * autoscaler's to set: the current one is kept, clamped into [min, max].
     */
    Deployment desiredFor(InferenceDeployment primary, Integer currentReplicas) {
        InferenceDeploymentSpec spec = primary.getSpec();
        ReplicasSpec replicas = spec.getReplicas() == null ? new ReplicasSpec() : spec.getReplicas();
        int count = replicas.getMin();
        if (replicas.getMin() < replicas.getMax() && currentReplicas != null) {
            count = Math.clamp(currentReplicas, replicas.getMin(), replicas.getMax());
        }
        String image = spec.getRuntime() != null && spec.getRuntime().getImage() != null
                ? spec.getRuntime().getImage() : settings.runtimeImage();
        String pullPolicy = spec.getRuntime() != null && spec.getRuntime().getImagePullPolicy() != null
                ? spec.getRuntime().getImagePullPolicy().name() : "IfNotPresent";
        Map<String, String> podAnnotations = new LinkedHashMap<>();
        podAnnotations.put("prometheus.io/scrape", "true");
        podAnnotations.put("prometheus.io/port", Integer.toString(RuntimeLabels.RUNTIME_PORT));
        podAnnotations.put("prometheus.io/path", "/metrics");
        return new DeploymentBuilder()
                .withMetadata(RuntimeLabels.metadata(primary, primary.getMetadata().getName()))
                .withNewSpec()
                    .withReplicas(count)
                    .withNewSelector().withMatchLabels(RuntimeLabels.selector(primary)).endSelector()
                    .withNewStrategy()
                        .withType("RollingUpdate")
                        .withNewRollingUpdate()
                            .withNewMaxUnavailable(0)
                            .withNewMaxSurge(1)
                        .endRollingUpdate()
                    .endStrategy()
                    .withNewTemplate()
                        .withNewMetadata()
                            .withLabels(RuntimeLabels.all(primary))
                            .withAnnotations(podAnnotations)
                        .endMetadata()
                        .withNewSpec()
                            .withAutomountServiceAccountToken(false)
                            .withEnableServiceLinks(false)
                            .withNewSecurityContext()
                                .withRunAsNonRoot(true)
                                .withRunAsUser(10001L)
                                .withFsGroup(10001L)
                                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                            .endSecurityContext()
                            .withContainers(container(primary, image, pullPolicy))
                            .withVolumes(volumes(primary))
                            .withNodeSelector(spec.getNodeSelector() == null || spec.getNodeSelector().isEmpty()
                                    ? null : spec.getNodeSelector())
                            .withTolerations(spec.getTolerations() == null || spec.getTolerations().isEmpty()
                                    ? null : spec.getTolerations())
                            .withTerminationGracePeriodSeconds(60L)
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    private static Container container(InferenceDeployment primary, String image, String pullPolicy) {
        InferenceDeploymentSpec spec = primary.getSpec();
        return new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(image)
                .withImagePullPolicy(pullPolicy)
                .addNewPort().withName(RuntimeLabels.PORT_NAME).withContainerPort(RuntimeLabels.RUNTIME_PORT)
                    .withProtocol("TCP").endPort()
                .withEnv(environment(spec))
                .withResources(spec.getResources())
                .withReadinessProbe(probe("/health/ready", 5, 3))
                .withLivenessProbe(probe("/health/live", 10, 6))
                // A download and a load can take long; the start-up probe holds off liveness meanwhile (up to 1 h).
                .withStartupProbe(probe("/health/live", 10, 360))
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withNewSecurityContext()
                    .withAllowPrivilegeEscalation(false)
                    .withReadOnlyRootFilesystem(true)
                    .withPrivileged(false)
                    .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .addNewVolumeMount().withName("model-cache").withMountPath(CACHE_PATH).endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .addNewVolumeMount().withName("access").withMountPath(ACCESS_PATH).withReadOnly(true).endVolumeMount()
                .addAllToVolumeMounts(spec.getAuth() != null && !spec.getAuth().isDisabled()
                        ? List.of(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("keys")
                                .withMountPath(KEYS_PATH).withReadOnly(true).build())
                        : List.of())
                .build();
    }

    /** The runtime's settings (docs/reference/runtime-configuration.md), as environment variables. */
    static List<EnvVar> environment(InferenceDeploymentSpec spec) {
        List<EnvVar> env = new ArrayList<>();
        env.add(env("IGNIS_RUNTIME_MODEL", spec.getModel().getUri()));
        env.add(env("IGNIS_RUNTIME_MODEL_NAME", spec.getModel().getName()));
        if (spec.getModel().getSha256() != null) {
            env.add(env("IGNIS_RUNTIME_MODEL_SHA256", spec.getModel().getSha256()));
        }
        env.add(env("IGNIS_RUNTIME_QUANTIZATION", spec.getModel().getQuantization().name()));
        env.add(env("IGNIS_RUNTIME_CACHE_DIR", CACHE_PATH + "/models"));
        if (spec.getContextSize() != null) {
            env.add(env("IGNIS_RUNTIME_CONTEXT_SIZE", spec.getContextSize().toString()));
        }
        EngineSpec engine = spec.getEngine();
        if (engine != null && engine.getSlots() != null) {
            env.add(env("IGNIS_RUNTIME_SLOTS", engine.getSlots().toString()));
        }
        if (engine != null && engine.getQueueSize() != null) {
            env.add(env("IGNIS_RUNTIME_QUEUE_SIZE", engine.getQueueSize().toString()));
        }
        if (engine != null && engine.getThreads() != null) {
            env.add(env("IGNIS_RUNTIME_THREADS", engine.getThreads().toString()));
        }
        // The runtime checks the allowed list and the keys too (a second line of defence behind the load
        // balancer), from mounted files it reads again while it runs: changing them needs no rollout.
        env.add(env("IGNIS_RUNTIME_ALLOWED_IPS_FILE", ACCESS_PATH + "/" + RuntimeAccessConfigMapDependentResource.ALLOWED_IPS));
        AuthSpec auth = spec.getAuth();
        if (auth != null && !auth.isDisabled()) {
            env.add(env("IGNIS_RUNTIME_API_KEY_SHA256_FILE", KEYS_PATH + "/" + KEYS_FILE));
        }
        return env;
    }

    private static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static Probe probe(String path, int periodSeconds, int failureThreshold) {
        return new ProbeBuilder()
                .withNewHttpGet().withPath(path).withNewPort(RuntimeLabels.PORT_NAME).endHttpGet()
                .withPeriodSeconds(periodSeconds)
                .withTimeoutSeconds(3)
                .withFailureThreshold(failureThreshold)
                .build();
    }

    private static List<Volume> volumes(InferenceDeployment primary) {
        List<Volume> volumes = new ArrayList<>(cacheVolumes(primary.getSpec().getModelCache()));
        volumes.add(new VolumeBuilder().withName("access").withNewConfigMap()
                .withName(RuntimeAccessConfigMapDependentResource.name(primary)).endConfigMap().build());
        AuthSpec auth = primary.getSpec().getAuth();
        if (auth != null && !auth.isDisabled()) {
            // Only the key with the hashes, under a fixed file name, whatever the Secret calls it.
            volumes.add(new VolumeBuilder().withName("keys").withNewSecret().withSecretName(auth.getSecretName())
                    .addNewItem().withKey(auth.secretKeyOrDefault()).withPath(KEYS_FILE).endItem()
                    .withOptional(false).endSecret().build());
        }
        return volumes;
    }

    private static List<Volume> cacheVolumes(ModelCacheSpec cache) {
        Volume modelCache;
        if (cache != null && cache.getPersistentVolumeClaim() != null) {
            modelCache = new VolumeBuilder().withName("model-cache").withNewPersistentVolumeClaim()
                    .withClaimName(cache.getPersistentVolumeClaim()).endPersistentVolumeClaim().build();
        } else {
            modelCache = new VolumeBuilder().withName("model-cache").withNewEmptyDir()
                    .withSizeLimit(cache == null ? null : cache.getSizeLimit()).endEmptyDir().build();
        }
        Volume tmp = new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build();
        return List.of(modelCache, tmp);
    }
}
