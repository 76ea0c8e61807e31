package dev.ignis.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the mock API server says about its API, from a table of the built-in kinds this project uses plus the
 * CRDs stored in it: discovery ({@code /apis}, each group version's resources) and OpenAPI v3 (paths only).
 */
final class ApiDiscovery {

    private static final ObjectMapper JSON = new ObjectMapper();

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
                new Builtin("statefulsets", "StatefulSet", true, List.of("sts")),
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

    private final List<JsonNode> crds;

    ApiDiscovery(List<JsonNode> crds) {
        this.crds = crds;
    }

    ObjectNode groupList() {
        ObjectNode list = JSON.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = list.putArray("groups");
        Map<String, List<String>> versionsByGroup = new LinkedHashMap<>();
        for (String gv : BUILTINS.keySet()) {
            if (gv.contains("/")) {
                versionsByGroup.computeIfAbsent(gv.substring(0, gv.indexOf('/')), g -> new ArrayList<>())
                        .add(gv.substring(gv.indexOf('/') + 1));
            }
        }
        for (JsonNode crd : crds) {
            String group = crd.path("spec").path("group").asText();
            for (JsonNode version : crd.path("spec").path("versions")) {
                List<String> versions = versionsByGroup.computeIfAbsent(group, g -> new ArrayList<>());
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

    /** The resources of a group version, or null when there is no such group version. */
    ObjectNode resourceList(String groupVersion) {
        ObjectNode list = JSON.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
                .put("groupVersion", groupVersion);
        ArrayNode resources = list.putArray("resources");
        boolean known = false;
        for (Builtin b : BUILTINS.getOrDefault(groupVersion, List.of())) {
            known = true;
            addResource(resources, b.plural(), b.kind(), b.namespaced(), b.shortNames(), false);
        }
        for (JsonNode crd : crds) {
            String group = crd.path("spec").path("group").asText();
            for (JsonNode version : crd.path("spec").path("versions")) {
                if (!(group + "/" + version.path("name").asText()).equals(groupVersion)) {
                    continue;
                }
                known = true;
                JsonNode names = crd.path("spec").path("names");
                List<String> shortNames = new ArrayList<>();
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

    /** The OpenAPI v3 discovery document: one entry per group version, as a real server's /openapi/v3. */
    ObjectNode openApiV3Root() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode paths = root.putObject("paths");
        List<String> groupVersions = new ArrayList<>(BUILTINS.keySet());
        for (JsonNode crd : crds) {
            for (JsonNode version : crd.path("spec").path("versions")) {
                String gv = crd.path("spec").path("group").asText() + "/" + version.path("name").asText();
                if (!groupVersions.contains(gv)) {
                    groupVersions.add(gv);
                }
            }
        }
        for (String gv : groupVersions) {
            String key = gv.equals("v1") ? "api/v1" : "apis/" + gv;
            paths.putObject(key).put("serverRelativeURL", "/openapi/v3/" + key);
        }
        return root;
    }

    /**
     * A group version's OpenAPI v3 document with the paths only, no schemas: each kind's create and patch
     * operations, which take the {@code fieldValidation} query parameter. That is what clients read it for
     * (kubectl's and helm's validation): a server that takes {@code fieldValidation} validates objects itself,
     * so the client sends them without checking them against schemas. The mock checks nothing.
     */
    ObjectNode openApiV3(String key) {
        String groupVersion = key.equals("api/v1") ? "v1" : key.startsWith("apis/") ? key.substring(5) : null;
        ObjectNode resources = groupVersion == null ? null : resourceList(groupVersion);
        if (resources == null) {
            return null;
        }
        ObjectNode spec = JSON.createObjectNode().put("openapi", "3.0.0");
        spec.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0-ignis-mock");
        ObjectNode paths = spec.putObject("paths");
        String group = groupVersion.contains("/") ? groupVersion.substring(0, groupVersion.indexOf('/')) : "";
        String version = groupVersion.substring(groupVersion.indexOf('/') + 1);
        for (JsonNode resource : resources.path("resources")) {
            String plural = resource.path("name").asText();
            if (plural.contains("/")) {
                continue;
            }
            String collection = "/" + key + (resource.path("namespaced").asBoolean() ? "/namespaces/{namespace}/" : "/")
                    + plural;
            for (String[] path : List.of(new String[] {collection, "post"}, new String[] {collection + "/{name}", "patch"})) {
                ObjectNode operation = paths.putObject(path[0]).putObject(path[1]);
                operation.putObject("x-kubernetes-group-version-kind").put("group", group).put("version", version)
                        .put("kind", resource.path("kind").asText());
                operation.putArray("parameters").addObject().put("name", "fieldValidation").put("in", "query")
                        .putObject("schema").put("type", "string");
            }
        }
        return spec;
    }

    private static void addResource(ArrayNode resources, String name, String kind, boolean namespaced,
            List<String> shortNames, boolean subresource) {
        ObjectNode r = resources.addObject().put("name", name).put("namespaced", namespaced).put("kind", kind);
        if (!subresource) {
            r.put("singularName", kind.toLowerCase(Locale.ROOT));
        }
        ArrayNode verbs = r.putArray("verbs");
        (subresource ? List.of("get", "patch", "update") : VERBS).forEach(verbs::add);
        if (!shortNames.isEmpty()) {
            ArrayNode sn = r.putArray("shortNames");
            shortNames.forEach(sn::add);
        }
    }
}
