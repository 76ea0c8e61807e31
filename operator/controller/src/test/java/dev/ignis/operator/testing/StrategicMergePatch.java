package dev.ignis.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A strategic merge patch ({@code application/strategic-merge-patch+json}, what helm upgrade and kubectl's
 * client-side apply send for built-in kinds) applied the way the API server applies it to the fields this
 * project's objects have: objects merge recursively and {@code null} deletes; a list of objects whose type
 * declares a merge key (containers, env, volumes by {@code name}, container ports by {@code containerPort},
 * service ports by {@code port}, volume mounts by {@code mountPath}, conditions by {@code type}) merges element
 * by element, {@code $patch: delete} removing one, in the order a {@code $setElementOrder} directive gives; any
 * other list is replaced. Other directives ({@code $retainKeys}, {@code $deleteFromPrimitiveList}) are not
 * needed by what the tests send and fail loudly.
 */
final class StrategicMergePatch {

    /** The merge keys, tried in this order on the patch's elements. */
    private static final List<String> MERGE_KEYS = List.of("name", "containerPort", "port", "mountPath", "type");

    private StrategicMergePatch() {
    }

    /** Applies {@code patch} to {@code target} in place. */
    static void apply(ObjectNode target, JsonNode patch) {
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.startsWith("$setElementOrder/")) {
                continue; // applied with the list it orders, below
            }
            if (name.startsWith("$")) {
                throw new IllegalArgumentException("the mock does not apply the patch directive " + name);
            }
            JsonNode current = target.get(name);
            if (value.isNull()) {
                target.remove(name);
            } else if (value.isObject() && current != null && current.isObject()) {
                apply((ObjectNode) current, value);
            } else if (value.isArray() && current != null && current.isArray() && mergeKey(value) != null) {
                target.set(name, mergeList((ArrayNode) current, (ArrayNode) value, mergeKey(value),
                        patch.get("$setElementOrder/" + name)));
            } else {
                target.set(name, value.deepCopy());
            }
        }
    }

    private static String mergeKey(JsonNode list) {
        for (String key : MERGE_KEYS) {
            boolean all = list.size() > 0;
            for (JsonNode element : list) {
                all &= element.isObject() && element.has(key);
            }
            if (all) {
                return key;
            }
        }
        return null;
    }

    private static ArrayNode mergeList(ArrayNode current, ArrayNode patch, String key, JsonNode order) {
        ArrayNode merged = current.deepCopy();
        for (JsonNode element : patch) {
            int at = indexOf(merged, key, element.get(key));
            boolean delete = "delete".equals(element.path("$patch").asText());
            if (delete) {
                if (at >= 0) {
                    merged.remove(at);
                }
            } else if (at >= 0) {
                apply((ObjectNode) merged.get(at), element);
            } else {
                ObjectNode added = ((ObjectNode) element).deepCopy();
                added.remove("$patch");
                merged.add(added);
            }
        }
        if (order == null || !order.isArray()) {
            return merged;
        }
        ArrayNode ordered = merged.arrayNode();
        for (JsonNode wanted : order) {
            int at = indexOf(merged, key, wanted.get(key));
            if (at >= 0) {
                ordered.add(merged.get(at));
            }
        }
        for (JsonNode element : merged) { // elements the order does not name keep their place at the end
            if (indexOf(ordered, key, element.get(key)) < 0) {
                ordered.add(element);
            }
        }
        return ordered;
    }

    private static int indexOf(ArrayNode list, String key, JsonNode value) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).path(key).equals(value)) {
                return i;
            }
        }
        return -1;
    }
}
