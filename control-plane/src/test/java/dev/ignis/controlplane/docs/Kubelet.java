package dev.ignis.controlplane.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.operator.testing.MockKubernetes;
import dev.ignis.testing.docs.DocScript;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a cluster's deployment controller and kubelet do, where nothing runs pods: one pod per Deployment
 * replica, made from its template, Running and Ready, and the Deployment's status as {@code kubectl rollout
 * status} reads it (observedGeneration, replicas, updated, ready and available). {@link #markRunning} stops
 * there, for pods whose container another test runs (the operator's). {@link #runControlPlane} (the chart's
 * control plane) and {@link #runRuntime} (an {@code InferenceDeployment}'s runtime) run the container: the
 * packaged application started as the image's entrypoint does, with the environment the Deployment gives its
 * container, resolved from the ConfigMaps and Secrets stored in the mock server, its ConfigMap and Secret
 * volumes written out as files, and the pod is Ready only once the container's readiness probe answers.
 *
 * <p>What cannot exist here is substituted, and each substitution is printed: the pod's own address (the
 * process listens on 127.0.0.1 and a free port, which port-forward and {@link #address} lead to as the pod's
 * container port), mount paths (environment values under a mount path point into the volume's folder), the
 * in-cluster or external database (a fresh database on this machine's PostgreSQL), the in-cluster API server
 * the service account reaches (a kubeconfig for the mock server), the container's memory limit (the JVM's heap
 * is capped at the share of it the image's -XX:MaxRAMPercentage gives, or at the runtime image's fixed heap),
 * the control plane's writable /tmp (a temporary folder as IGNIS_HOME), and whatever the test adds (a model
 * that can be read here).
 */
final class Kubelet implements AutoCloseable {

    private static final Path ROOT = Path.of(System.getProperty("ignis.repo.dir", "..")).toAbsolutePath().normalize();
    static final Path CONTROL_PLANE_JAR = ROOT.resolve("control-plane/target/quarkus-app/quarkus-run.jar");

    private final MockKubernetes kube;
    private final KubernetesClient client;
    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final Map<String, InetSocketAddress> addresses = new ConcurrentHashMap<>();

    Kubelet(MockKubernetes kube, Path dir) {
        this.kube = kube;
        this.client = kube.client();
        this.dir = dir;
    }

    /** A Deployment's pods, Running and Ready without running their container, and the Deployment rolled out. */
    void markRunning(String namespace, String deployment) {
        Deployment d = client.apps().deployments().inNamespace(namespace).withName(deployment).get();
        assertThat(d).as("Deployment %s/%s", namespace, deployment).isNotNull();
        int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        for (int i = 0; i < replicas; i++) {
            ready(namespace, deployment, startPod(namespace, deployment, i));
        }
    }

    /** The control plane's pod, run here; returns the pod once its readiness probe answers. */
    Pod runControlPlane(String namespace, String deployment, Map<String, String> database) throws IOException {
        assertThat(CONTROL_PLANE_JAR).as("packaged by this build before its integration tests").exists();
        int port = DocScript.freePort();
        Map<String, String> substitutions = new LinkedHashMap<>();
        substitutions.put("IGNIS_HOST", "127.0.0.1");
        substitutions.put("IGNIS_PORT", Integer.toString(port));
        substitutions.putAll(database);
        substitutions.put("KUBECONFIG", kube.writeKubeconfig(dir).toString());
        substitutions.put("IGNIS_HOME", dir.resolve("control-plane-home").toString());
        return run(namespace, deployment, CONTROL_PLANE_JAR, List.of(), port, substitutions);
    }

    /**
     * An {@code InferenceDeployment}'s runtime pod (one replica), run here: the packaged runtime started as the
     * image's entrypoint does, with the image's {@code JDK_JAVA_OPTIONS} heap, the environment the operator's
     * Deployment gives the container and its ConfigMap and Secret volumes written out; returns the pod once its
     * readiness probe answers (the model is loaded). {@code substitutions} are the test's own (the model, which
     * cannot be downloaded here), printed with the others.
     */
    Pod runRuntime(String namespace, String deployment, Map<String, String> substitutions) throws IOException {
        String jar = System.getProperty("ignis.local.runtime-jar");
        assertThat(jar).as("system property ignis.local.runtime-jar (set by the failsafe configuration)").isNotNull();
        assertThat(Path.of(jar)).as("the runtime, packaged earlier in the reactor").exists();
        int port = DocScript.freePort();
        Map<String, String> all = new LinkedHashMap<>();
        all.put("IGNIS_RUNTIME_HOST", "127.0.0.1");
        all.put("IGNIS_RUNTIME_PORT", Integer.toString(port));
        all.putAll(substitutions);
        return run(namespace, deployment, Path.of(jar), List.of("-Xmx384m"), port, all);
    }

    /**
     * A Deployment's one pod, its first container run as {@code java ... -jar jar} on 127.0.0.1:{@code port}
     * (which stands for the container's first port: port-forward and {@link #address} lead there).
     */
    private Pod run(String namespace, String deployment, Path jar, List<String> jvmOptions, int port,
            Map<String, String> substitutions) throws IOException {
        Deployment d = client.apps().deployments().inNamespace(namespace).withName(deployment).get();
        assertThat(d).as("Deployment %s/%s", namespace, deployment).isNotNull();
        assertThat(d.getSpec().getReplicas()).as("one replica: one process").isEqualTo(1);
        Container container = d.getSpec().getTemplate().getSpec().getContainers().getFirst();
        Map<String, String> env = environment(namespace, container);
        Pod pod = startPod(namespace, deployment, 0);
        Path volumes = dir.resolve(pod.getMetadata().getName());
        Map<String, String> mounted = mountVolumes(namespace, d.getSpec().getTemplate().getSpec().getVolumes(),
                container, volumes, env);
        mounted.forEach((name, value) -> System.out.println("Kubelet: " + deployment + " " + name + "=" + value
                + " instead of " + env.get(name) + " (the volume mounted there, written out by the kubelet)"));
        env.putAll(mounted);
        int containerPort = container.getPorts().getFirst().getContainerPort();
        substitutions.forEach((name, value) -> System.out.println("Kubelet: " + deployment + " " + name + "="
                + (name.contains("PASSWORD") ? "***" : value) + " instead of "
                + (!env.containsKey(name) ? "nothing" : name.contains("PASSWORD") ? "***" : env.get(name))));
        env.putAll(substitutions);

        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow"));
        command.addAll(jvmOptions);
        Quantity memory = container.getResources() == null || container.getResources().getLimits() == null ? null
                : container.getResources().getLimits().get("memory");
        if (memory != null && jvmOptions.stream().noneMatch(o -> o.startsWith("-Xmx"))) {
            // the image's -XX:MaxRAMPercentage=75 of the container's limit
            command.add("-Xmx" + Quantity.getAmountInBytes(memory).longValue() * 3 / 4 / (1024 * 1024) + "m");
            System.out.println("Kubelet: " + deployment + " " + command.getLast() + " for the container's memory limit "
                    + memory + " (no cgroup here for -XX:MaxRAMPercentage=75 to read)");
        }
        command.addAll(List.of("-jar", jar.toString()));
        Path log = dir.resolve(deployment + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv("PATH"));
        pb.environment().putAll(env);
        Process process = pb.start();
        processes.add(process);

        String readiness = container.getReadinessProbe().getHttpGet().getPath();
        DocScript.awaitReady(process, URI.create("http://127.0.0.1:" + port + readiness), log, Duration.ofSeconds(120));
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        kube.servePodPort(namespace, pod.getMetadata().getName(), containerPort, address);
        addresses.put(namespace + "/" + pod.getMetadata().getName() + ":" + containerPort, address);
        return ready(namespace, deployment, pod);
    }

    /** Where the container port {@code containerPort} of a pod that {@link #run} runs listens here, or null. */
    InetSocketAddress address(String namespace, String pod, int containerPort) {
        return addresses.get(namespace + "/" + pod + ":" + containerPort);
    }

    /**
     * The container's ConfigMap, Secret and emptyDir volumes as folders under {@code root} (keys as files,
     * {@code items} honoured, written once: the kubelet's later syncs of changed ConfigMaps are not played),
     * and the environment variables whose value is a path under one of the container's mount paths, pointed at
     * the same path in its folder (there is no mount namespace here to put them at the path itself).
     */
    private Map<String, String> mountVolumes(String namespace, List<Volume> volumes, Container container, Path root,
            Map<String, String> env) throws IOException {
        Map<String, String> moved = new LinkedHashMap<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            Volume volume = volumes.stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError("no volume " + mount.getName() + " for its mount"));
            Path folder = Files.createDirectories(root.resolve(volume.getName()));
            if (volume.getConfigMap() != null) {
                ConfigMap map = configMap(namespace, volume.getConfigMap().getName());
                Map<String, byte[]> files = new LinkedHashMap<>();
                if (map.getData() != null) {
                    map.getData().forEach((k, v) -> files.put(k, v.getBytes(StandardCharsets.UTF_8)));
                }
                if (map.getBinaryData() != null) {
                    map.getBinaryData().forEach((k, v) -> files.put(k, Base64.getDecoder().decode(v)));
                }
                write(folder, files, volume.getConfigMap().getItems());
            } else if (volume.getSecret() != null) {
                Map<String, byte[]> files = new LinkedHashMap<>();
                secret(namespace, volume.getSecret().getSecretName()).getData()
                        .forEach((k, v) -> files.put(k, Base64.getDecoder().decode(v)));
                write(folder, files, volume.getSecret().getItems());
            } else if (volume.getEmptyDir() == null) {
                throw new AssertionError("Kubelet mounts ConfigMap, Secret and emptyDir volumes, not " + volume);
            }
            String path = mount.getMountPath();
            env.forEach((name, value) -> {
                if (value != null && (value.equals(path) || value.startsWith(path + "/"))) {
                    moved.put(name, folder + value.substring(path.length()));
                }
            });
        }
        return moved;
    }

    private static void write(Path folder, Map<String, byte[]> files, List<KeyToPath> items) throws IOException {
        if (items == null || items.isEmpty()) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Files.write(folder.resolve(file.getKey()), file.getValue());
            }
            return;
        }
        for (KeyToPath item : items) {
            byte[] content = files.get(item.getKey());
            assertThat(content).as("key %s of a volume's source (the pod would not start)", item.getKey()).isNotNull();
            Path file = folder.resolve(item.getPath());
            Files.createDirectories(file.getParent());
            Files.write(file, content);
        }
    }

    /** The container's environment as the kubelet builds it: envFrom first, then env, references resolved. */
    private Map<String, String> environment(String namespace, Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : container.getEnvFrom()) {
            if (from.getConfigMapRef() != null) {
                env.putAll(configMap(namespace, from.getConfigMapRef().getName()).getData());
            }
            if (from.getSecretRef() != null) {
                secret(namespace, from.getSecretRef().getName()).getData()
                        .forEach((k, v) -> env.put(k, decode(v)));
            }
        }
        for (EnvVar var : container.getEnv()) {
            if (var.getValueFrom() == null) {
                env.put(var.getName(), var.getValue());
            } else if (var.getValueFrom().getSecretKeyRef() != null) {
                var ref = var.getValueFrom().getSecretKeyRef();
                String value = secret(namespace, ref.getName()).getData().get(ref.getKey());
                assertThat(value).as("key %s of Secret %s (CreateContainerConfigError)", ref.getKey(), ref.getName())
                        .isNotNull();
                env.put(var.getName(), decode(value));
            } else if (var.getValueFrom().getConfigMapKeyRef() != null) {
                var ref = var.getValueFrom().getConfigMapKeyRef();
                env.put(var.getName(), configMap(namespace, ref.getName()).getData().get(ref.getKey()));
            } else {
                throw new AssertionError("Kubelet does not resolve " + var);
            }
        }
        return env;
    }

    private Secret secret(String namespace, String name) {
        Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
        assertThat(secret).as("Secret %s/%s that a container refers to (CreateContainerConfigError)", namespace, name)
                .isNotNull();
        return secret;
    }

    private ConfigMap configMap(String namespace, String name) {
        ConfigMap map = client.configMaps().inNamespace(namespace).withName(name).get();
        assertThat(map).as("ConfigMap %s/%s that a container refers to", namespace, name).isNotNull();
        return map;
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    /** The ReplicaSet's pod, scheduled and started (Running, not yet Ready), named as the controller names it. */
    private Pod startPod(String namespace, String deployment, int index) {
        Deployment d = client.apps().deployments().inNamespace(namespace).withName(deployment).get();
        String hash = "%08x".formatted(d.getSpec().getTemplate().hashCode());
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        Pod pod = new PodBuilder().withNewMetadata().withName(deployment + "-" + hash + "-" + "%05x".formatted(index)).withNamespace(namespace)
                .withLabels(d.getSpec().getTemplate().getMetadata().getLabels())
                .addToLabels("pod-template-hash", hash).endMetadata()
                .withSpec(d.getSpec().getTemplate().getSpec())
                .withNewStatus().withPhase("Running").withPodIP("127.0.0.1").withStartTime(now)
                .addNewCondition().withType("Ready").withStatus("False").endCondition().endStatus().build();
        return client.pods().inNamespace(namespace).resource(pod).create();
    }

    private Pod ready(String namespace, String deployment, Pod pod) {
        Pod ready = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).editStatus(p -> {
            p.getStatus().getConditions().getFirst().setStatus("True");
            return p;
        });
        client.apps().deployments().inNamespace(namespace).withName(deployment).editStatus(d -> {
            int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
            int readyPods = (int) client.pods().inNamespace(namespace).withLabels(d.getSpec().getSelector().getMatchLabels())
                    .list().getItems().stream().filter(p -> p.getStatus().getConditions().stream()
                            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"))).count();
            d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                    .withReplicas(replicas).withUpdatedReplicas(replicas).withReadyReplicas(readyPods)
                    .withAvailableReplicas(readyPods).build());
            return d;
        });
        return ready;
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : processes) {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
