package dev.ignis.helm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Kubernetes API that the chart's {@code lookup} calls reach while rendering: an in-JVM HTTP server on a
 * loopback port that knows core/v1 Secrets and nothing else, empty unless a test stores one.
 *
 * <p>Why it exists: helm-java's {@code template} renders with lookups on (its dry-run option is "none"), so
 * {@code lookup} asks the API server of the current kubeconfig, and with none it tries localhost:8080 and
 * fails, or worse, reaches whatever listens there. The Surefire configuration points {@code KUBECONFIG} at
 * a file that this class writes with its own port; it is started once per test JVM.
 */
public final class StubKubernetesApi {

    private static StubKubernetesApi instance;

    private final HttpServer server;
    /** namespace/name to the Secret's data (key to clear value). */
    private final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private StubKubernetesApi(HttpServer server) {
        this.server = server;
    }

    /** Starts the stub if needed and writes the kubeconfig that helm reads ($KUBECONFIG). */
    public static synchronized StubKubernetesApi start() {
        if (instance != null) {
            return instance;
        }
        String kubeconfig = System.getenv("KUBECONFIG");
        if (kubeconfig == null || kubeconfig.isBlank()) {
            throw new IllegalStateException("KUBECONFIG is not set for the test JVM (see helm/pom.xml): helm's "
                    + "lookup would reach whatever answers on localhost:8080");
        }
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            StubKubernetesApi api = new StubKubernetesApi(server);
            server.createContext("/", api::handle);
            server.start();
            Path file = Path.of(kubeconfig);
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                      - name: stub
                        cluster:
                          server: http://127.0.0.1:%d
                    contexts:
                      - name: stub
                        context:
                          cluster: stub
                          user: stub
                    current-context: stub
                    users:
                      - name: stub
                        user:
                          token: stub
                    """.formatted(server.getAddress().getPort()));
            instance = api;
            return api;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores a Secret, as if an earlier install had created it. */
    void putSecret(String namespace, String name, Map<String, String> data) {
        secrets.put(namespace + "/" + name, Map.copyOf(data));
    }

    void clear() {
        secrets.clear();
        requests.clear();
    }

    /** Method and path of every request since the last clear. */
    List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requests.add(exchange.getRequestMethod() + " " + path);
        String[] parts = path.split("/");
        if (path.equals("/api/v1")) {
            respond(exchange, 200, """
                    {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
                      {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret",
                       "verbs":["create","delete","get","list","patch","update","watch"]}]}""");
        } else if (path.equals("/api")) {
            respond(exchange, 200, """
                    {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}""");
        } else if (parts.length == 7 && path.startsWith("/api/v1/namespaces/") && parts[5].equals("secrets")) {
            Map<String, String> data = secrets.get(parts[4] + "/" + parts[6]);
            if (data == null) {
                notFound(exchange, "secrets \\\"" + parts[6] + "\\\" not found");
            } else {
                StringBuilder json = new StringBuilder();
                for (var entry : data.entrySet()) {
                    json.append(json.isEmpty() ? "" : ",").append('"').append(entry.getKey()).append("\":\"")
                            .append(Base64.getEncoder().encodeToString(
                                    entry.getValue().getBytes(StandardCharsets.UTF_8))).append('"');
                }
                respond(exchange, 200, """
                        {"kind":"Secret","apiVersion":"v1","metadata":{"name":"%s","namespace":"%s"},
                         "type":"Opaque","data":{%s}}""".formatted(parts[6], parts[4], json));
            }
        } else {
            notFound(exchange, "the stub API knows only core/v1 secrets");
        }
    }

    private static void notFound(HttpExchange exchange, String message) throws IOException {
        respond(exchange, 404, """
                {"kind":"Status","apiVersion":"v1","status":"Failure","message":"%s","reason":"NotFound","code":404}"""
                .formatted(message));
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
