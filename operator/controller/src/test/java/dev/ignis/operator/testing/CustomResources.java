package dev.ignis.operator.testing;

import static dev.ignis.operator.testing.KubectlCompatibleDispatcher.json;
import static dev.ignis.operator.testing.KubectlCompatibleDispatcher.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * What the API server does for custom resources beyond storing them, computed from their CRD: the scale
 * subresource and server-side printing (kubectl's tables). {@code store} is the CRUD mock underneath.
 */
final class CustomResources {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private final Function<RecordedRequest, MockResponse> store;

    CustomResources(Function<RecordedRequest, MockResponse> store) {
        this.store = store;
    }

    /** A path under a stored CRD: /apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}[/{subresource}]]. */
    record Path(JsonNode crd, JsonNode version, String objectPath, String name,
            String subresource) {

        static Path parse(String path, List<JsonNode> crds) {
            String[] parts = path.split("/");
            // "", "apis", group, version, "namespaces", ns, plural, [name, [subresource]]
            if (parts.length < 7 || !parts[1].equals("apis") || !parts[4].equals("namespaces")) {
                return null;
            }
            for (JsonNode crd : crds) {
                if (!crd.path("spec").path("group").asText().equals(parts[2])
                        || !crd.path("spec").path("names").path("plural").asText().equals(parts[6])) {
                    continue;
                }
                for (JsonNode version : crd.path("spec").path("versions")) {
                    if (version.path("name").asText().equals(parts[3])) {
                        String objectPath = String.join("/", Arrays.copyOfRange(parts, 0,
                                Math.min(parts.length, 8)));
                        return new Path(crd, version, objectPath, parts.length > 7 ? parts[7] : null,
                                parts.length > 8 ? parts[8] : null);
                    }
                }
            }
            return null;
        }
    }

    /**
     * The scale subresource of a custom resource ({@code kubectl scale}, an HPA): reads and writes the replica
     * count at the CRD's specReplicasPath.
     */
    MockResponse scale(RecordedRequest request, Path cr) throws IOException {
        JsonNode scaleSpec = cr.version().path("subresources").path("scale");
        if (scaleSpec.isMissingNode()) {
            return new MockResponse().setResponseCode(404).setBody("{}");
        }
        MockResponse current = store.apply(request(HttpMethod.GET, cr.objectPath(), null, null));
        if (current.code() != 200) {
            return current;
        }
        ObjectNode object = (ObjectNode) JSON.readTree(current.getBody().readUtf8());
        List<String> specPath = jsonPath(scaleSpec.path("specReplicasPath").asText());
        if (!"GET".equals(request.getMethod())) {
            JsonNode body = request.getHeader("Content-Type") != null
                    && request.getHeader("Content-Type").contains("yaml")
                    ? YAML.readTree(request.getUtf8Body()) : JSON.readTree(request.getUtf8Body());
            int replicas = body.path("spec").path("replicas").asInt();
            ObjectNode patch = JSON.createObjectNode();
            ObjectNode cursor = patch;
            for (int i = 0; i < specPath.size() - 1; i++) {
                cursor = cursor.putObject(specPath.get(i));
            }
            cursor.put(specPath.getLast(), replicas);
            MockResponse patched = store.apply(request(HttpMethod.PATCH, cr.objectPath(),
                    "application/merge-patch+json", patch.toString()));
            if (patched.code() / 100 != 2) {
                return patched;
            }
            object = (ObjectNode) JSON.readTree(patched.getBody().readUtf8());
        }
        ObjectNode result = JSON.createObjectNode().put("kind", "Scale").put("apiVersion", "autoscaling/v1");
        result.putObject("metadata").put("name", object.path("metadata").path("name").asText())
                .put("namespace", object.path("metadata").path("namespace").asText())
                .put("resourceVersion", object.path("metadata").path("resourceVersion").asText());
        result.putObject("spec").put("replicas", at(object, specPath).asInt());
        ObjectNode status = result.putObject("status")
                .put("replicas", at(object, jsonPath(scaleSpec.path("statusReplicasPath").asText())).asInt());
        JsonNode selector = at(object, jsonPath(scaleSpec.path("labelSelectorPath").asText()));
        if (selector.isTextual()) {
            status.put("selector", selector.asText());
        }
        return json(result);
    }

    /** Server-side printing (kubectl get): the CRD's additionalPrinterColumns evaluated for each object. */
    MockResponse table(RecordedRequest request, Path cr) throws IOException {
        MockResponse raw = store.apply(request(HttpMethod.GET, request.getPath(), null, null));
        if (raw.code() != 200) {
            return raw;
        }
        JsonNode body = JSON.readTree(raw.getBody().readUtf8());
        List<JsonNode> objects = new ArrayList<>();
        if (body.has("items")) {
            body.path("items").forEach(objects::add);
        } else {
            objects.add(body);
        }
        ObjectNode table = JSON.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        table.putObject("metadata").put("resourceVersion", body.path("metadata").path("resourceVersion").asText());
        ArrayNode columns = table.putArray("columnDefinitions");
        columns.addObject().put("name", "Name").put("type", "string").put("format", "name").put("priority", 0)
                .put("description", "Name of the object");
        JsonNode printerColumns = cr.version().path("additionalPrinterColumns");
        for (JsonNode column : printerColumns) {
            columns.addObject().put("name", column.path("name").asText()).put("type", column.path("type").asText())
                    .put("format", "").put("priority", column.path("priority").asInt(0))
                    .put("description", column.path("description").asText(""));
        }
        ArrayNode rows = table.putArray("rows");
        for (JsonNode object : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            cells.add(object.path("metadata").path("name").asText());
            for (JsonNode column : printerColumns) {
                JsonNode value = at(object, jsonPath(column.path("jsonPath").asText()));
                if (value.isMissingNode() || value.isNull()) {
                    cells.addNull();
                } else if ("date".equals(column.path("type").asText())) {
                    cells.add(age(value.asText()));
                } else {
                    cells.add(value.asText());
                }
            }
            ObjectNode partial = row.putObject("object").put("kind", "PartialObjectMetadata")
                    .put("apiVersion", "meta.k8s.io/v1");
            partial.set("metadata", object.path("metadata"));
        }
        return json(table);
    }

    private static String age(String timestamp) {
        try {
            long seconds = java.time.Duration.between(java.time.Instant.parse(timestamp), java.time.Instant.now())
                    .toSeconds();
            return seconds < 120 ? seconds + "s" : seconds < 7200 ? seconds / 60 + "m" : seconds / 3600 + "h";
        } catch (java.time.format.DateTimeParseException e) {
            return timestamp;
        }
    }

    private static List<String> jsonPath(String path) {
        return Arrays.stream(path.split("\\.")).filter(s -> !s.isEmpty()).toList();
    }

    private static JsonNode at(JsonNode node, List<String> path) {
        JsonNode cursor = node;
        for (String step : path) {
            cursor = cursor.path(step);
        }
        return cursor;
    }
}
