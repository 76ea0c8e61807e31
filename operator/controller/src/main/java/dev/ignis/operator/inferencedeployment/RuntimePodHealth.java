package dev.ignis.operator.inferencedeployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.Set;

/**
 * What the runtime pods say about themselves: a container Kubernetes cannot run (image, configuration,
 * crash loop) or a runtime that could not load its model. A runtime whose model fails to load (a
 * quantization above the stored precision, a checksum mismatch, a download that cannot finish) stays up
 * and unready rather than crash-looping, and answers {@code /health/ready} with {@code state: failed} and the
 * reason, which is read here so that the resource says why.
 */
final class RuntimePodHealth {

    /** Waiting reasons that will not resolve by themselves. */
    private static final Set<String> STUCK = Set.of("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull",
            "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "RunContainerError");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** What the pods tell. */
    record Report(String problem, boolean loading) {
    }

    Report inspect(Collection<Pod> pods) {
        boolean loading = false;
        for (Pod pod : pods.stream().sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList()) {
            if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null) {
                continue;
            }
            ContainerStatus runtime = pod.getStatus().getContainerStatuses().stream()
                    .filter(c -> RuntimeDeploymentDependentResource.CONTAINER.equals(c.getName())).findFirst()
                    .orElse(null);
            if (runtime == null) {
                continue;
            }
            String name = pod.getMetadata().getName();
            if (runtime.getState() != null && runtime.getState().getWaiting() != null
                    && STUCK.contains(runtime.getState().getWaiting().getReason())) {
                var waiting = runtime.getState().getWaiting();
                String last = runtime.getLastState() != null && runtime.getLastState().getTerminated() != null
                        ? runtime.getLastState().getTerminated().getMessage() : null;
                return new Report("pod " + name + ": " + waiting.getReason()
                        + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage())
                        + (last == null || last.isBlank() ? "" : "; last output: " + last.strip()), false);
            }
            boolean running = runtime.getState() != null && runtime.getState().getRunning() != null;
            if (running && !Boolean.TRUE.equals(runtime.getReady()) && pod.getStatus().getPodIP() != null) {
                JsonNode health = readiness(pod);
                if (health != null && "failed".equals(health.path("state").asText())) {
                    return new Report("pod " + name + ": the runtime could not load the model: "
                            + health.path("reason").asText(), false);
                }
                loading = true;
            }
        }
        return new Report(null, loading);
    }

    /** The runtime's own /health/ready answer, or null when it cannot be read (yet). */
    private JsonNode readiness(Pod pod) {
        int port = pod.getSpec().getContainers().stream()
                .filter(c -> RuntimeDeploymentDependentResource.CONTAINER.equals(c.getName()))
                .flatMap(c -> c.getPorts().stream())
                .filter(p -> RuntimeLabels.PORT_NAME.equals(p.getName())).map(ContainerPort::getContainerPort)
                .findFirst().orElse(RuntimeLabels.RUNTIME_PORT);
        String ip = pod.getStatus().getPodIP();
        String host = ip.contains(":") ? "[" + ip + "]" : ip;
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port
                    + "/health/ready")).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
