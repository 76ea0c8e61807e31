package dev.ignis.operator;

import static dev.ignis.operator.testing.Awaits.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.ignis.operator.testing.MockKubernetes;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl port-forward} (1.32: SPDY/3.1 tunnelled in a WebSocket) through Fabric8's mock API server to a
 * plain HTTP server on this machine that the test declares as the pod's port (the kubelet's part): kubectl
 * resolves the Service to the pod by its selector and the Service's named target port to the container's,
 * then every local connection is a pair of streams to that server. Requests in both directions, a body larger
 * than one frame, several connections, and a port nothing serves, reported as the kubelet reports it.
 */
class KubectlPortForwardE2E {

    private static final Path KUBECTL = Path.of(System.getProperty("ignis.kubectl", "/usr/bin/kubectl"));
    private static final byte[] BIG = new byte[300_000];

    static {
        for (int i = 0; i < BIG.length; i++) {
            BIG[i] = (byte) ('a' + i % 26);
        }
    }

    @TempDir
    Path dir;

    private MockKubernetes kube;
    private HttpServer pod;
    private Process kubectl;

    @BeforeEach
    void start() throws IOException {
        assertThat(KUBECTL).as("kubectl (set -Dignis.kubectl)").isExecutable();
        pod = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        pod.createContext("/hello", exchange -> {
            byte[] body = "hello from the pod".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        pod.createContext("/big", exchange -> {
            exchange.sendResponseHeaders(200, BIG.length);
            exchange.getResponseBody().write(BIG);
            exchange.close();
        });
        pod.createContext("/echo", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        pod.start();
        kube = new MockKubernetes();
        kube.client().pods().inNamespace("default").resource(new PodBuilder()
                .withNewMetadata().withName("hello-7d9f").addToLabels("app", "hello").endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("example/hello")
                .addNewPort().withName("http").withContainerPort(8080).endPort().endContainer().endSpec()
                .withNewStatus().withPhase("Running").endStatus().build()).create();
        kube.client().services().inNamespace("default").resource(new ServiceBuilder()
                .withNewMetadata().withName("hello").endMetadata()
                .withNewSpec().addToSelector("app", "hello").addNewPort().withName("http").withPort(80)
                .withNewTargetPort("http").endPort().endSpec().build()).create();
        kube.servePodPort("default", "hello-7d9f", 8080, pod.getAddress());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (kubectl != null) {
            kubectl.destroy();
            kubectl.waitFor(10, TimeUnit.SECONDS);
            kubectl.destroyForcibly();
        }
        if (kube != null) {
            kube.close();
        }
        if (pod != null) {
            pod.stop(0);
        }
    }

    @Test
    void portForwardToAServiceReachesThePodsProcess() throws Exception {
        int local = freePort();
        Path log = dir.resolve("port-forward.log");
        kubectl = portForward(log, "service/hello", local + ":80");
        await(() -> read(log).contains("Forwarding from 127.0.0.1:" + local + " -> 8080") ? true : null,
                Duration.ofSeconds(30), () -> read(log));

        URI base = URI.create("http://127.0.0.1:" + local);
        try (HttpClient http = HttpClient.newHttpClient()) {
            // One connection, kept alive: three requests through the same pair of streams.
            assertThat(get(http, base.resolve("/hello"))).isEqualTo("hello from the pod");
            assertThat(get(http, base.resolve("/big")).getBytes(StandardCharsets.US_ASCII)).isEqualTo(BIG);
            HttpResponse<byte[]> echoed = http.send(HttpRequest.newBuilder(base.resolve("/echo"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(BIG)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(echoed.body()).isEqualTo(BIG);
        }
        for (int i = 0; i < 3; i++) { // new connections, each a new pair of streams
            try (HttpClient http = HttpClient.newHttpClient()) {
                assertThat(get(http, base.resolve("/hello"))).isEqualTo("hello from the pod");
            }
        }
        assertThat(kubectl.isAlive()).as("kubectl still forwarding:\n%s", read(log)).isTrue();
        assertThat(read(log)).contains("Handling connection for " + local)
                .doesNotContain("error forwarding").doesNotContain("lost connection");
    }

    @Test
    void aPortNothingServesIsReportedAsTheKubeletReportsIt() throws Exception {
        int local = freePort();
        Path log = dir.resolve("port-forward.log");
        kubectl = portForward(log, "pod/hello-7d9f", local + ":9999");
        await(() -> read(log).contains("Forwarding from 127.0.0.1:" + local + " -> 9999") ? true : null,
                Duration.ofSeconds(30), () -> read(log));
        try (HttpClient http = HttpClient.newHttpClient()) {
            http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local + "/hello"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // the connection ends without an answer
        }
        // kubectl prints the kubelet's message and, as against a cluster, gives up the tunnel.
        assertThat(kubectl.waitFor(30, TimeUnit.SECONDS)).as("kubectl exits:\n%s", read(log)).isTrue();
        assertThat(read(log)).contains("error forwarding port 9999 to pod default/hello-7d9f");
    }

    private Process portForward(Path log, String target, String ports) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(KUBECTL.toString(), "port-forward", target, ports)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("KUBECONFIG", kube.writeKubeconfig(dir).toString());
        return pb.start();
    }

    private static String get(HttpClient http, URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
