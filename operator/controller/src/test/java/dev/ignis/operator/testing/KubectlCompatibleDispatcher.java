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
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fabric8's CRUD mock API server, taught what kubectl needs and the stock one lacks: discovery ({@code /version},
 * {@code /api}, {@code /apis} and each group version, from a table of the built-in kinds this project uses plus
 * the CRDs stored in the mock), a 404 for {@code /openapi/*} (kubectl then skips client-side validation), and
 * server-side apply, taken as a merge patch of the object (or a create when it does not exist yet). There are no
 * field managers: an apply overwrites what it names, like a merge patch.
 */
public final class KubectlCompatibleDispatcher extends KubernetesCrudDispatcher {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    /** Built-in resources: group/version → (plural → kind, namespaced, short names). */
    private static final Map<String, List<Builtin>> BUILTINS = new LinkedHashMap<>();

    private record Builtin(String plural, String kind, boolean namespaced, List<String> shortNames) {
    }

    static {
        BUILTINS.put("v1", List.of(
                new Builtin("namespaces", "Namespace", false, List.of("ns")),
                new Builtin("pods", "Pod", true, List.of("po")),
                new Builtin("services", "Service", true, List.of("svc")),
                new Builtin("secrets", "Secret", true, List.of()),
                new Builtin("configmaps", "ConfigMap", true, List.of("cm")),
                new Builtin("serviceaccounts", "ServiceAccount", true, List.of("sa")),
                new Builtin("events", "Event", true, List.of("ev")),
                new Builtin("persistentvolumeclaims", "PersistentVolumeClaim", true, List.of("pvc"))));
        BUILTINS.put("apps/v1", List.of(
                new Builtin("deployments", "Deployment", true, List.of("deploy")),
                new Builtin("replicasets", "ReplicaSet", true, List.of("rs"))));
        BUILTINS.put("networking.k8s.io/v1", List.of(
                new Builtin("networkpolicies", "NetworkPolicy", true, List.of("netpol"))));
        BUILTINS.put("autoscaling/v2", List.of(
                new Builtin("horizontalpodautoscalers", "HorizontalPodAutoscaler", true, List.of("hpa"))));
        BUILTINS.put("policy/v1", List.of(
                new Builtin("poddisruptionbudgets", "PodDisruptionBudget", true, List.of("pdb"))));
        BUILTINS.put("coordination.k8s.io/v1", List.of(
                new Builtin("leases", "Lease", true, List.of())));
        BUILTINS.put("rbac.authorization.k8s.io/v1", List.of(
                new Builtin("roles", "Role", true, List.of()),
                new Builtin("rolebindings", "RoleBinding", true, List.of()),
                new Builtin("clusterroles", "ClusterRole", false, List.of()),
                new Builtin("clusterrolebindings", "ClusterRoleBinding", false, List.of())));
        BUILTINS.put("apiextensions.k8s.io/v1", List.of(
                new Builtin("customresourcedefinitions", "CustomResourceDefinition", false, List.of("crd", "crds"))));
    }

    private static final List<String> VERBS = List.of("create", "delete", "deletecollection", "get", "list",
            "patch", "update", "watch");

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String path = request.getPath();
        String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        boolean get = "GET".equals(request.getMethod());
        try {
            if (get && bare.equals("/version")) {
                return json(JSON.createObjectNode().put("major", "1").put("minor", "32")
                        .put("gitVersion", "v1.32.0-ignis-mock").put("platform", "linux/amd64"));
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
                return json(groupList());
            }
            if (get && bare.equals("/api/v1")) {
                return json(resourceList("v1"));
            }
            if (get && bare.matches("/apis/[^/]+/[^/]+")) {
                String groupVersion = bare.substring("/apis/".length());
                ObjectNode list = resourceList(groupVersion);
                return list == null ? new MockResponse().setResponseCode(404).setBody("{}") : json(list);
            }
            if ("PATCH".equals(request.getMethod()) && request.getHeader("Content-Type") != null
                    && request.getHeader("Content-Type").startsWith("application/apply-patch")) {
                return apply(request, bare);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return super.dispatch(request);
    }

    private MockResponse apply(RecordedRequest request, String bare) throws IOException {
        JsonNode body = YAML.readTree(request.getUtf8Body());
        String json = JSON.writeValueAsString(body);
        MockResponse existing = super.dispatch(request(HttpMethod.GET, bare.replaceAll("/status$", ""), null, null));
        if (existing.code() == 404) {
            String collection = bare.replaceAll("/status$", "");
            collection = collection.substring(0, collection.lastIndexOf('/'));
            return super.dispatch(request(HttpMethod.POST, collection, "application/json", json));
        }
        return super.dispatch(request(HttpMethod.PATCH, request.getPath(), "application/merge-patch+json", json));
    }

    private static RecordedRequest request(HttpMethod method, String path, String contentType, String body) {
        Headers.Builder headers = new Headers.Builder();
        if (contentType != null) {
            headers.set("Content-Type", contentType);
        }
        Buffer buffer = new Buffer(body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
        return new RecordedRequest("HTTP/1.1", method, path, headers.build(), buffer);
    }

    private ObjectNode groupList() throws IOException {
        ObjectNode list = JSON.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = list.putArray("groups");
        Map<String, List<String>> versionsByGroup = new LinkedHashMap<>();
        for (String gv : BUILTINS.keySet()) {
            if (gv.contains("/")) {
                versionsByGroup.computeIfAbsent(gv.substring(0, gv.indexOf('/')), g -> new java.util.ArrayList<>())
                        .add(gv.substring(gv.indexOf('/') + 1));
            }
        }
        for (JsonNode crd : storedCrds()) {
            String group = crd.path("spec").path("group").asText();
            for (JsonNode version : crd.path("spec").path("versions")) {
                List<String> versions = versionsByGroup.computeIfAbsent(group, g -> new java.util.ArrayList<>());
                if (!versions.contains(version.path("name").asText())) {
                    versions.add(version.path("name").asText());
                }
            }
        }
        versionsByGroup.forEach((group, versions) -> {
            ObjectNode g = groups.addObject().put("name", group);
            ArrayNode vs = g.putArray("versions");
            versions.forEach(v -> vs.addObject().put("groupVersion", group + "/" + v).put("version", v));
            g.putObject("preferredVersion").put("groupVersion", group + "/" + versions.getFirst())
                    .put("version", versions.getFirst());
        });
        return list;
    }

    private ObjectNode resourceList(String groupVersion) throws IOException {
        ObjectNode list = JSON.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", groupVersion);
        ArrayNode resources = list.putArray("resources");
        boolean known = false;
        for (Builtin b : BUILTINS.getOrDefault(groupVersion, List.of())) {
            known = true;
            addResource(resources, b.plural(), b.kind(), b.namespaced(), b.shortNames(), false);
        }
        for (JsonNode crd : storedCrds()) {
            String group = crd.path("spec").path("group").asText();
            for (JsonNode version : crd.path("spec").path("versions")) {
                if (!(group + "/" + version.path("name").asText()).equals(groupVersion)) {
                    continue;
                }
                known = true;
                JsonNode names = crd.path("spec").path("names");
                List<String> shortNames = new java.util.ArrayList<>();
                names.path("shortNames").forEach(s -> shortNames.add(s.asText()));
                boolean namespaced = "Namespaced".equals(crd.path("spec").path("scope").asText());
                addResource(resources, names.path("plural").asText(), names.path("kind").asText(), namespaced,
                        shortNames, false);
                JsonNode subresources = version.path("subresources");
                if (subresources.has("status")) {
                    addResource(resources, names.path("plural").asText() + "/status", names.path("kind").asText(),
                            namespaced, List.of(), true);
                }
                if (subresources.has("scale")) {
                    addResource(resources, names.path("plural").asText() + "/scale", "Scale", namespaced, List.of(),
                            true);
                }
            }
        }
        return known ? list : null;
    }

    private static void addResource(ArrayNode resources, String name, String kind, boolean namespaced,
            List<String> shortNames, boolean subresource) {
        ObjectNode r = resources.addObject().put("name", name).put("namespaced", namespaced).put("kind", kind);
        if (!subresource) {
            r.put("singularName", kind.toLowerCase(java.util.Locale.ROOT));
        }
        ArrayNode verbs = r.putArray("verbs");
        (subresource ? List.of("get", "patch", "update") : VERBS).forEach(verbs::add);
        if (!shortNames.isEmpty()) {
            ArrayNode sn = r.putArray("shortNames");
            shortNames.forEach(sn::add);
        }
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

    private static MockResponse json(JsonNode node) throws IOException {
        return new MockResponse().setResponseCode(200).addHeader("Content-Type", "application/json")
                .setBody(JSON.writeValueAsString(node));
    }
}
