package dev.ignis.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The protobuf bodies of kubectl's typed create commands, read as the mock API server stores them. */
class KubernetesProtobufTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] entry(String key, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        KubernetesProtobuf.field(out, 1, utf8(key));
        KubernetesProtobuf.field(out, 2, value);
        return out.toByteArray();
    }

    @Test
    void aSecretWithDataLabelsAndTypeReadsAsJson() throws Exception {
        ByteArrayOutputStream meta = new ByteArrayOutputStream();
        KubernetesProtobuf.field(meta, 1, utf8("llama-1b-keys"));
        KubernetesProtobuf.field(meta, 3, utf8("models"));
        KubernetesProtobuf.field(meta, 11, entry("app", utf8("ignis")));
        ByteArrayOutputStream secret = new ByteArrayOutputStream();
        KubernetesProtobuf.field(secret, 1, meta.toByteArray());
        KubernetesProtobuf.field(secret, 2, entry("api-key-sha256", utf8("ab12")));
        KubernetesProtobuf.field(secret, 3, utf8("Opaque"));

        JsonNode json = new ObjectMapper().readTree(
                KubernetesProtobuf.toJson(KubernetesProtobuf.encode("v1", "Secret", secret.toByteArray())));

        assertThat(json.path("kind").asText()).isEqualTo("Secret");
        assertThat(json.at("/metadata/name").asText()).isEqualTo("llama-1b-keys");
        assertThat(json.at("/metadata/namespace").asText()).isEqualTo("models");
        assertThat(json.at("/metadata/labels/app").asText()).isEqualTo("ignis");
        assertThat(json.at("/data/api-key-sha256").asText()).isEqualTo("YWIxMg==");
        assertThat(json.path("type").asText()).isEqualTo("Opaque");
    }

    @Test
    void anUnknownKindOrAGarbledBodyIsRefusedByName() {
        assertThatThrownBy(() -> KubernetesProtobuf.toJson(KubernetesProtobuf.encode("v1", "Pod", new byte[0])))
                .hasMessage("the mock reads no protobuf Pod");
        assertThatThrownBy(() -> KubernetesProtobuf.toJson(utf8("{}"))).hasMessage("not a Kubernetes protobuf body");
        byte[] truncated = KubernetesProtobuf.encode("v1", "Secret", new byte[] {0x0a, 0x7f});
        assertThatThrownBy(() -> KubernetesProtobuf.toJson(truncated)).hasMessage("a field runs past its message");
    }
}
