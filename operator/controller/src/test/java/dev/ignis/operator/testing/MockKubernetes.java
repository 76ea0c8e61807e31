package dev.ignis.operator.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;

/**
 * Fabric8's mock API server in CRUD mode on 127.0.0.1, with {@link KubectlCompatibleDispatcher}, the CRD this
 * project generates installed, a client, and a kubeconfig file for kubectl (and helm).
 */
public final class MockKubernetes implements AutoCloseable {

    /** Held so the level sticks: the mock logs every request at INFO, which drowns the build output. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        acceptPortForwardSubprotocol();
    }

    private final KubernetesMockServer server;
    private final KubectlCompatibleDispatcher dispatcher = new KubectlCompatibleDispatcher();
    private final KubernetesClient client;

    public MockKubernetes() {
        server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(),
                dispatcher, true);
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        client = server.createClient();
    }

    /** The CRD generated from the ignis-crd classes at build time. */
    public static CustomResourceDefinition generatedCrd() {
        try (InputStream in = MockKubernetes.class.getResourceAsStream(
                "/META-INF/fabric8/inferencedeployments.ignis.dev-v1.yml")) {
            if (in == null) {
                throw new IllegalStateException("the generated CRD is not on the class path: build operator/crd");
            }
            return Serialization.unmarshal(in, CustomResourceDefinition.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public MockKubernetes withCrd() {
        client.apiextensions().v1().customResourceDefinitions().resource(generatedCrd()).create();
        return this;
    }

    /**
     * The kubelet's part for {@code kubectl port-forward}: {@code containerPort} of the pod {@code namespace/pod}
     * is served at {@code address} on this machine.
     */
    public MockKubernetes servePodPort(String namespace, String pod, int containerPort, InetSocketAddress address) {
        dispatcher.servePodPort(namespace, pod, containerPort, address);
        return this;
    }

    /**
     * The mock server's WebSocket handshake only selects a subprotocol from a fixed list (the exec channels,
     * {@code v1..v4.channel.k8s.io}), and kubectl refuses a tunnel whose answer names none. There is no option
     * to add one, so the oldest exec channel, which no client here asks for, gives its place to kubectl's
     * port-forward tunnel, before any server starts (the list is read when a server starts).
     */
    private static void acceptPortForwardSubprotocol() {
        try {
            Field field = MockWebServer.class.getDeclaredField("SUPPORTED_WEBSOCKET_SUB_PROTOCOLS");
            field.setAccessible(true);
            String[] protocols = (String[]) field.get(null);
            if (!Arrays.asList(protocols).contains(KubectlCompatibleDispatcher.PORT_FORWARD_PROTOCOL)) {
                int v1 = Arrays.asList(protocols).indexOf("v1.channel.k8s.io");
                if (v1 < 0) {
                    throw new IllegalStateException("the mock server's subprotocols changed: " + Arrays.toString(protocols));
                }
                protocols[v1] = KubectlCompatibleDispatcher.PORT_FORWARD_PROTOCOL;
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the mock server's WebSocket subprotocols changed", e);
        }
    }

    public KubernetesClient client() {
        return client;
    }

    public String url() {
        return client.getMasterUrl().toString();
    }

    /** A kubeconfig for kubectl pointing at this server (self-signed TLS, any token). */
    public Path writeKubeconfig(Path dir) throws IOException {
        Path file = dir.resolve("kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster:
                    server: %s
                    insecure-skip-tls-verify: true
                users:
                - name: tester
                  user:
                    token: mock-token
                contexts:
                - name: mock
                  context:
                    cluster: mock
                    user: tester
                    namespace: default
                current-context: mock
                """.formatted(url().replaceAll("/$", "")));
        return file;
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
