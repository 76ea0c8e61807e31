package dev.ignis.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fabric8's CRUD mock API server, taught what kubectl needs and the stock one lacks: discovery ({@code /version},
 * {@code /api}, {@code /apis} and each group version, from a table of the built-in kinds this project uses plus
 * the CRDs stored in the mock), OpenAPI v3 paths without schemas saying that every kind takes server-side field
 * validation (so kubectl and helm validate nothing themselves; there is no OpenAPI v2: kubectl's client-side
 * validation, which needs it, must be turned off with {@code --validate=false}), CRDs Established on creation,
 * strategic merge patches ({@link StrategicMergePatch}), protobuf creates and updates of the kinds {@link
 * KubernetesProtobuf} reads, and server-side apply, taken as a merge patch of the object (or a create when it does not exist yet). There are no
 * field managers: an apply overwrites what it names, like a merge patch. A pod's {@code portforward}
 * subresource works as kubectl 1.32 uses it (SPDY/3.1 tunnelled in a WebSocket, see {@link
 * PortForwardConnection}), to the addresses a test gives with {@link #servePodPort}: the test plays the kubelet.
 */
public final class KubectlCompatibleDispatcher extends KubernetesCrudDispatcher {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private static final String CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

    /** The WebSocket subprotocol of kubectl's port-forward: SPDY/3.1 tunnelled, carrying portforward.k8s.io. */
    static final String PORT_FORWARD_PROTOCOL = "SPDY/3.1+portforward.k8s.io";
    private static final Pattern PORT_FORWARD = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/portforward");

    private final CustomResources customResources = new CustomResources(super::dispatch);

    /** Where the ports of the pods a test runs are served on this machine: "namespace/pod" → port → address. */
    private final Map<String, Map<Integer, InetSocketAddress>> podPorts = new ConcurrentHashMap<>();

    /**
     * The kubelet's part: {@code containerPort} of the pod {@code namespace/pod} is served at {@code address},
     * where {@code kubectl port-forward} then connects.
     */
    public void servePodPort(String namespace, String pod, int containerPort, InetSocketAddress address) {
        podPorts.computeIfAbsent(namespace + "/" + pod, k -> new ConcurrentHashMap<>()).put(containerPort, address);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String path = request.getPath();
        String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        boolean get = "GET".equals(request.getMethod());
        String contentType = request.getHeader("Content-Type");
        Matcher portForward = PORT_FORWARD.matcher(bare);
        if (portForward.matches()) {
            return portForward(request, portForward.group(1), portForward.group(2));
        }
        if (contentType != null && contentType.contains("protobuf")) {
            // kubectl's typed commands (create secret, create namespace, ...) and helm's release storage send
            // protobuf; the CRUD mock stores JSON. A create or an update is read and stored as JSON, a delete's
            // options are dropped; anything else gets a real server's answer to a media type it does not take.
            if ("DELETE".equals(request.getMethod())) {
                // The body is DeleteOptions (propagation, preconditions), which the CRUD mock has no use for.
                return super.dispatch(request(HttpMethod.DELETE, request.getPath(), null, null))
                        .setHeader("Content-Type", "application/json");
            }
            if ("POST".equals(request.getMethod()) || "PUT".equals(request.getMethod())) {
                try {
                    return super.dispatch(request(HttpMethod.valueOf(request.getMethod()), bare, "application/json",
                            KubernetesProtobuf.toJson(request.getBody().getBytes())))
                            .setHeader("Content-Type", "application/json");
                } catch (IllegalArgumentException e) {
                    return new MockResponse().setResponseCode(415).setHeader("Content-Type", "application/json")
                            .setBody(JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1")
                                    .put("status", "Failure").put("reason", "UnsupportedMediaType").put("code", 415)
                                    .put("message", e.getMessage()).toString());
                }
            }
            return new MockResponse().setResponseCode(415).setHeader("Content-Type", "application/json")
                    .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                            + "\"reason\":\"UnsupportedMediaType\",\"code\":415,"
                            + "\"message\":\"the body of the request was in an unknown format\"}");
        }
        try {
            if (get && bare.equals("/version")) {
                return json(JSON.createObjectNode().put("major", "1").put("minor", "32")
                        .put("gitVersion", "v1.32.0-ignis-mock").put("platform", "linux/amd64"));
            }
            if ("POST".equals(request.getMethod())
                    && bare.equals("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
                return rulesReview(request);
            }
            if (get && bare.equals("/openapi/v3")) {
                return json(discovery().openApiV3Root());
            }
            if (get && bare.startsWith("/openapi/v3/")) {
                ObjectNode spec = discovery().openApiV3(bare.substring("/openapi/v3/".length()));
                return spec == null ? new MockResponse().setResponseCode(404).setBody("{}") : json(spec);
            }
            if (bare.startsWith("/openapi")) {
                return new MockResponse().setResponseCode(404).setBody("{}");
            }
            if (get && bare.equals("/api")) {
                ObjectNode versions = JSON.createObjectNode().put("kind", "APIVersions");
                versions.putArray("versions").add("v1");
                versions.putArray("serverAddressByClientCIDRs");
                return json(versions);
            }
            if (get && bare.equals("/apis")) {
                return json(discovery().groupList());
            }
            if (get && bare.equals("/api/v1")) {
                return json(discovery().resourceList("v1"));
            }
            if (get && bare.matches("/apis/[^/]+/[^/]+")) {
                String groupVersion = bare.substring("/apis/".length());
                ObjectNode list = discovery().resourceList(groupVersion);
                return list == null ? new MockResponse().setResponseCode(404).setBody("{}") : json(list);
            }
            CustomResources.Path cr = bare.startsWith("/apis/") && bare.contains("/namespaces/")
                    ? CustomResources.Path.parse(bare, storedCrds()) : null;
            if (cr != null && cr.subresource() != null && cr.subresource().equals("scale")) {
                return customResources.scale(request, cr);
            }
            String accept = request.getHeader("Accept");
            if (get && cr != null && cr.subresource() == null && accept != null && accept.contains("as=Table")) {
                return customResources.table(request, cr);
            }
            if ("PATCH".equals(request.getMethod()) && request.getHeader("Content-Type") != null
                    && request.getHeader("Content-Type").startsWith("application/apply-patch")) {
                return apply(request, bare);
            }
            if ("PATCH".equals(request.getMethod()) && contentType != null
                    && contentType.startsWith("application/strategic-merge-patch")) {
                return strategicMerge(request, bare);
            }
            if ("POST".equals(request.getMethod()) && bare.equals(CRDS)) {
                request = request(HttpMethod.POST, request.getPath(), "application/json",
                        established(request.getUtf8Body()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        MockResponse response = super.dispatch(request);
        if (response.getWebSocketListener() == null && response.getHeaders().get("Content-Type") == null) {
            // The CRUD mock names no media type; kubectl's typed clients (port-forward's pod and service look-ups)
            // then take the body for the protobuf they asked for first. A real server says it is JSON.
            response.setHeader("Content-Type", "application/json");
        }
        if (get && response.code() == 200 && !"true".equals(query(path, "watch"))) {
            return typedList(response, bare);
        }
        return response;
    }

    /**
     * The CRUD mock answers a list with {@code kind: List}; a real server names the list's type ({@code PodList}),
     * and kubectl's typed clients find no items in anything else.
     */
    private MockResponse typedList(MockResponse response, String bare) {
        try {
            String[] parts = bare.split("/");
            String plural = parts[parts.length - 1];
            String groupVersion = parts[1].equals("api") ? "v1" : parts.length > 3 ? parts[2] + "/" + parts[3] : "";
            String body = response.getBody().readUtf8();
            if (!body.contains("\"List\"")) {
                return response.setBody(body);
            }
            JsonNode list = JSON.readTree(body);
            if (!"List".equals(list.path("kind").asText())) {
                return response.setBody(body);
            }
            ObjectNode resources = discovery().resourceList(groupVersion);
            if (resources != null) {
                for (JsonNode resource : resources.path("resources")) {
                    if (resource.path("name").asText().equals(plural)) {
                        ((ObjectNode) list).put("kind", resource.path("kind").asText() + "List");
                        ((ObjectNode) list).put("apiVersion", groupVersion);
                        return response.setBody(JSON.writeValueAsString(list));
                    }
                }
            }
            return response.setBody(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String query(String path, String name) {
        int q = path.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : path.substring(q + 1).split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        return null;
    }

    /**
     * A pod's {@code portforward}: the pod must exist, and the client must ask for the WebSocket tunnel (the
     * mock server cannot take over a connection for SPDY's own HTTP upgrade, kubectl's fallback).
     */
    private MockResponse portForward(RecordedRequest request, String namespace, String pod) {
        MockResponse stored = super.dispatch(request(HttpMethod.GET, "/api/v1/namespaces/" + namespace + "/pods/" + pod,
                null, null));
        if (stored.code() != 200) {
            return stored;
        }
        String upgrade = request.getHeader("Upgrade");
        String protocols = request.getHeader("Sec-WebSocket-Protocol");
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket") || protocols == null
                || !List.of(protocols.split("\\s*,\\s*")).contains(PORT_FORWARD_PROTOCOL)) {
            return new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json")
                    .setBody(JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1")
                            .put("status", "Failure").put("reason", "BadRequest").put("code", 400)
                            .put("message", "the mock API server forwards ports over a WebSocket with the subprotocol "
                                    + PORT_FORWARD_PROTOCOL + " only (kubectl 1.31 or newer)").toString());
        }
        String key = namespace + "/" + pod;
        return new MockResponse().withWebSocketUpgrade(new PortForwardConnection(key,
                port -> podPorts.getOrDefault(key, Map.of()).get(port)));
    }

    /**
     * The mock has no authorization: everything is allowed, and a rules review says so (the operator's leader
     * election asks before it starts). The lease rule is spelled out as well as the wildcard.
     */
    private static MockResponse rulesReview(RecordedRequest request) throws IOException {
        ObjectNode review = (ObjectNode) JSON.readTree(request.getUtf8Body());
        ObjectNode status = review.putObject("status");
        ArrayNode rules = status.putArray("resourceRules");
        ObjectNode leases = rules.addObject();
        leases.putArray("apiGroups").add("coordination.k8s.io");
        leases.putArray("resources").add("leases");
        leases.putArray("verbs").add("get").add("create").add("update").add("list").add("watch");
        ObjectNode all = rules.addObject();
        all.putArray("apiGroups").add("*");
        all.putArray("resources").add("*");
        all.putArray("verbs").add("*");
        status.putArray("nonResourceRules");
        status.put("incomplete", false);
        return new MockResponse().setResponseCode(201).addHeader("Content-Type", "application/json")
                .setBody(JSON.writeValueAsString(review));
    }

    /** A strategic merge patch: read the object, merge as the API server would, store the result. */
    private MockResponse strategicMerge(RecordedRequest request, String bare) throws IOException {
        MockResponse existing = super.dispatch(request(HttpMethod.GET, bare.replaceAll("/status$", ""), null, null));
        if (existing.code() != 200) {
            return existing;
        }
        ObjectNode object = (ObjectNode) JSON.readTree(existing.getBody().readUtf8());
        try {
            StrategicMergePatch.apply(object, JSON.readTree(request.getUtf8Body()));
        } catch (IllegalArgumentException e) {
            return new MockResponse().setResponseCode(422).setHeader("Content-Type", "application/json")
                    .setBody(JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1")
                            .put("status", "Failure").put("reason", "Invalid").put("code", 422)
                            .put("message", e.getMessage()).toString());
        }
        return super.dispatch(request(HttpMethod.PUT, bare, "application/json", JSON.writeValueAsString(object)))
                .setHeader("Content-Type", "application/json");
    }

    private MockResponse apply(RecordedRequest request, String bare) throws IOException {
        JsonNode body = YAML.readTree(request.getUtf8Body());
        String json = JSON.writeValueAsString(body);
        MockResponse existing = super.dispatch(request(HttpMethod.GET, bare.replaceAll("/status$", ""), null, null));
        if (existing.code() == 404) {
            String collection = bare.replaceAll("/status$", "");
            collection = collection.substring(0, collection.lastIndexOf('/'));
            if (collection.equals(CRDS)) {
                json = established(json);
            }
            return super.dispatch(request(HttpMethod.POST, collection, "application/json", json));
        }
        return super.dispatch(request(HttpMethod.PATCH, request.getPath(), "application/merge-patch+json", json));
    }

    /**
     * A new CRD as the API server stores it once its names are checked: {@code NamesAccepted} and {@code
     * Established} true, {@code acceptedNames} its names. Clients wait for Established before they use the
     * kind (helm install does, after creating the chart's CRDs).
     */
    private static String established(String body) throws IOException {
        ObjectNode crd = (ObjectNode) YAML.readTree(body);
        ObjectNode status = crd.putObject("status");
        String now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        ArrayNode conditions = status.putArray("conditions");
        conditions.addObject().put("type", "NamesAccepted").put("status", "True").put("reason", "NoConflicts")
                .put("message", "no conflicts found").put("lastTransitionTime", now);
        conditions.addObject().put("type", "Established").put("status", "True").put("reason", "InitialNamesAccepted")
                .put("message", "the initial names have been accepted").put("lastTransitionTime", now);
        status.set("acceptedNames", crd.path("spec").path("names"));
        ArrayNode stored = status.putArray("storedVersions");
        crd.path("spec").path("versions").forEach(v -> {
            if (v.path("storage").asBoolean()) {
                stored.add(v.path("name").asText());
            }
        });
        return JSON.writeValueAsString(crd);
    }

    static RecordedRequest request(HttpMethod method, String path, String contentType, String body) {
        Headers.Builder headers = new Headers.Builder();
        if (contentType != null) {
            headers.set("Content-Type", contentType);
        }
        Buffer buffer = new Buffer(body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
        return new RecordedRequest("HTTP/1.1", method, path, headers.build(), buffer);
    }

    /** Discovery and OpenAPI as they stand now: the built-in kinds and the CRDs stored in the mock. */
    private ApiDiscovery discovery() throws IOException {
        return new ApiDiscovery(storedCrds());
    }

    private List<JsonNode> storedCrds() throws IOException {
        MockResponse response = super.dispatch(request(HttpMethod.GET,
                "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", null, null));
        if (response.code() != 200) {
            return List.of();
        }
        List<JsonNode> crds = new java.util.ArrayList<>();
        JSON.readTree(response.getBody().readUtf8()).path("items").forEach(crds::add);
        return crds;
    }

    static MockResponse json(JsonNode node) throws IOException {
        return new MockResponse().setResponseCode(200).addHeader("Content-Type", "application/json")
                .setBody(JSON.writeValueAsString(node));
    }
}
