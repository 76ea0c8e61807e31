package dev.ignis.controlplane.provisioner.local;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * The endpoint of one local deployment: a small reverse proxy on its own port that checks the client
 * address and the endpoint key ({@link ProxyGate}), then forwards the request round-robin to a ready
 * replica on 127.0.0.1, streaming both bodies (so server-sent events pass through as they are written).
 * Refusals are OpenAI error objects, as the runtime's own. The gate and the replica list are swapped
 * atomically, so allowed IPs and keys change without touching the replicas.
 *
 * <p>Only the API routes ({@code /v1/*}, {@code /tokenize}, {@code /detokenize}) are forwarded; the
 * runtime's health and metrics stay private. The request carries {@code X-Forwarded-For}; the
 * {@code Authorization} header is not passed on, since the runtime checks no keys.
 */
final class DeploymentProxy implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DeploymentProxy.class);
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host");

    private final HttpServer server;
    private final HttpClient client;
    private final AtomicReference<ProxyGate> gate;
    private volatile List<Integer> backends = List.of();
    private final AtomicInteger next = new AtomicInteger();

    private DeploymentProxy(Vertx vertx, ProxyGate gate) {
        this.gate = new AtomicReference<>(gate);
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5000).setMaxPoolSize(64));
        this.server = vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(false))
                .requestHandler(this::handle);
    }

    /**
     * Starts a proxy on {@code host}, on {@code preferredPort} when it is free (so an endpoint keeps its URL
     * across control-plane restarts), otherwise on a port the system chooses. Must not run on an event loop.
     */
    static DeploymentProxy start(Vertx vertx, String host, int preferredPort, ProxyGate gate) {
        DeploymentProxy proxy = new DeploymentProxy(vertx, gate);
        try {
            if (preferredPort > 0) {
                try {
                    await(proxy.server.listen(preferredPort, host));
                    return proxy;
                } catch (IllegalStateException e) {
                    LOG.infof("Port %d is taken; the endpoint moves to a new port", preferredPort);
                }
            }
            await(proxy.server.listen(0, host));
            return proxy;
        } catch (RuntimeException e) {
            proxy.close();
            throw e;
        }
    }

    int port() {
        return server.actualPort();
    }

    void gate(ProxyGate gate) {
        this.gate.set(gate);
    }

    /** The ports of the replicas that are ready now. */
    void backends(List<Integer> ports) {
        backends = List.copyOf(ports);
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        if (!(path.startsWith("/v1/") || path.equals("/tokenize") || path.equals("/detokenize"))) {
            error(request, 404, "invalid_request_error", "not_found", "no route " + request.method() + " " + path);
            return;
        }
        ProxyGate current = gate.get();
        InetAddress address = clientAddress(request);
        if (address == null || !current.allows(address)) {
            error(request, 403, "permission_error", "ip_not_allowed", "this address may not call this endpoint");
            return;
        }
        if (!current.authorized(request.getHeader("Authorization"))) {
            request.response().putHeader("WWW-Authenticate", "Bearer");
            error(request, 401, "invalid_request_error", "invalid_api_key",
                    "missing or invalid API key: send 'Authorization: Bearer <key>'");
            return;
        }
        List<Integer> ports = backends;
        if (ports.isEmpty()) {
            request.response().putHeader("Retry-After", "5");
            error(request, 503, "server_error", "model_not_ready", "no replica of this deployment is ready; retry shortly");
            return;
        }
        // Hold the body until a replica is connected; it is then streamed, never buffered whole.
        request.pause();
        forward(request, address, ports, Math.floorMod(next.getAndIncrement(), ports.size()), 0);
    }

    /** Forwards to {@code ports[first + attempt]}; a replica that refuses the connection passes to the next. */
    private void forward(HttpServerRequest request, InetAddress address, List<Integer> ports, int first, int attempt) {
        int port = ports.get((first + attempt) % ports.size());
        RequestOptions options = new RequestOptions().setMethod(request.method()).setHost("127.0.0.1").setPort(port)
                .setURI(request.uri());
        client.request(options).onComplete(connected -> {
            if (connected.failed()) {
                if (attempt + 1 < ports.size()) {
                    forward(request, address, ports, first, attempt + 1);
                } else {
                    LOG.debugf("No replica answered on %s: %s", ports, connected.cause().getMessage());
                    request.resume();
                    error(request, 502, "server_error", "bad_gateway", "no replica of this deployment answered; retry shortly");
                }
                return;
            }
            HttpClientRequest upstream = connected.result();
            copyRequestHeaders(request, upstream, address);
            HttpServerResponse response = request.response();
            // A client that goes away cancels the generation on the replica (it frees its slot).
            response.closeHandler(v -> {
                if (!response.ended()) {
                    upstream.reset();
                }
            });
            upstream.send(request).onComplete(answered -> {
                if (answered.failed()) {
                    if (!response.headWritten()) {
                        error(request, 502, "server_error", "bad_gateway", "the replica failed to answer");
                    } else {
                        response.reset();
                    }
                    return;
                }
                relay(answered.result(), response);
            });
        });
    }

    private static void relay(HttpClientResponse upstream, HttpServerResponse response) {
        response.setStatusCode(upstream.statusCode());
        upstream.headers().forEach(h -> {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                response.headers().add(h.getKey(), h.getValue());
            }
        });
        // Without a Content-Length (server-sent events) the answer is chunked and each chunk passed on at once.
        response.send(upstream);
    }

    private static void copyRequestHeaders(HttpServerRequest request, HttpClientRequest upstream, InetAddress address) {
        request.headers().forEach(h -> {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !name.equals("authorization") && !name.equals("x-forwarded-for")) {
                upstream.headers().add(h.getKey(), h.getValue());
            }
        });
        String forwarded = request.getHeader("X-Forwarded-For");
        upstream.putHeader("X-Forwarded-For", forwarded == null ? address.getHostAddress()
                : forwarded + ", " + address.getHostAddress());
        upstream.putHeader("X-Forwarded-Proto", request.scheme() == null ? "http" : request.scheme());
    }

    private static InetAddress clientAddress(HttpServerRequest request) {
        if (request.remoteAddress() == null || request.remoteAddress().hostAddress() == null) {
            return null;
        }
        try {
            // An address literal: never a name lookup.
            return InetAddress.ofLiteral(request.remoteAddress().hostAddress());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void error(HttpServerRequest request, int status, String type, String code, String message) {
        JsonObject inner = new JsonObject().put("message", message).put("type", type).putNull("param").put("code", code);
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject(Map.of("error", inner)).encode());
    }

    @Override
    public void close() {
        try {
            await(server.close());
        } finally {
            await(client.close());
        }
    }

    private static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the proxy did not answer within 10 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
