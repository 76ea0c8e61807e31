package dev.ignis.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class StrategicMergePatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode deployment() throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"metadata":{"name":"web","annotations":{"a":"1","b":"2"}},
                 "spec":{"template":{"spec":{"containers":[
                   {"name":"web","image":"web:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
                    "ports":[{"containerPort":8080,"name":"http"}],"args":["--x"]},
                   {"name":"sidecar","image":"side:1"}]}}}}""");
    }

    @Test
    void listsWithAMergeKeyMergeElementByElementAndOthersAreReplaced() throws Exception {
        ObjectNode target = deployment();
        JsonNode patch = JSON.readTree("""
                {"metadata":{"annotations":{"a":null,"c":"3"}},
                 "spec":{"template":{"spec":{
                   "$setElementOrder/containers":[{"name":"sidecar"},{"name":"web"}],
                   "containers":[{"name":"web","image":"web:2","env":[{"name":"B","value":"20"},{"name":"C","value":"3"}],
                                  "args":["--y"]}]}}}}""");
        StrategicMergePatch.apply(target, patch);
        assertThat(target.at("/metadata/annotations").toString()).isEqualTo("{\"b\":\"2\",\"c\":\"3\"}");
        JsonNode containers = target.at("/spec/template/spec/containers");
        assertThat(containers.findValuesAsText("name")).containsExactly("sidecar", "web", "A", "B", "C", "http");
        JsonNode web = containers.get(1);
        assertThat(web.path("image").asText()).isEqualTo("web:2");
        assertThat(web.path("env").toString())
                .isEqualTo("[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"20\"},{\"name\":\"C\",\"value\":\"3\"}]");
        assertThat(web.path("ports").get(0).path("containerPort").asInt()).isEqualTo(8080);
        assertThat(web.path("args").toString()).isEqualTo("[\"--y\"]");
    }

    @Test
    void aPatchDeleteDirectiveRemovesOneElement() throws Exception {
        ObjectNode target = deployment();
        StrategicMergePatch.apply(target, JSON.readTree("""
                {"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}"""));
        assertThat(target.at("/spec/template/spec/containers").findValuesAsText("image")).containsExactly("web:1");
    }

    @Test
    void directivesItDoesNotApplyFailLoudly() throws Exception {
        assertThatThrownBy(() -> StrategicMergePatch.apply(deployment(), JSON.readTree("""
                {"spec":{"$retainKeys":["template"]}}"""))).hasMessageContaining("$retainKeys");
    }
}
