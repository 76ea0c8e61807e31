package dev.ignis.operator.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the few objects that kubectl's typed commands ({@code create secret}, {@code create namespace},
 * {@code create configmap}) send in Kubernetes' protobuf encoding, so the mock API server, which takes JSON
 * only, can store them. The encoding (from the API's {@code generated.proto} files): the bytes {@code k8s\0},
 * then a {@code runtime.Unknown} (1: TypeMeta {1: apiVersion, 2: kind}, 2: raw object); a Secret is
 * {1: ObjectMeta, 2: data map<string, bytes>, 3: type, 4: stringData map<string, string>}, a ConfigMap
 * {1: ObjectMeta, 2: data map<string, string>, 3: binaryData map<string, bytes>}, a Namespace
 * {1: ObjectMeta}; ObjectMeta {1: name, 2: generateName, 3: namespace, 6: resourceVersion, 11: labels,
 * 12: annotations}. A map
 * is a repeated entry {1: key, 2: value}. Other fields are skipped: nothing kubectl's create commands set.
 */
final class KubernetesProtobuf {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] MAGIC = {'k', '8', 's', 0};

    private KubernetesProtobuf() {
    }

    /** The object as JSON, or an exception naming what is not understood. */
    static String toJson(byte[] body) {
        if (body.length < 4 || !Arrays.equals(body, 0, 4, MAGIC, 0, 4)) {
            throw new IllegalArgumentException("not a Kubernetes protobuf body");
        }
        Fields unknown = Fields.parse(body, 4, body.length);
        Fields typeMeta = Fields.parse(unknown.bytes(1));
        String apiVersion = typeMeta.string(1);
        String kind = typeMeta.string(2);
        Fields object = Fields.parse(unknown.bytes(2));
        ObjectNode json = JSON.createObjectNode().put("apiVersion", apiVersion).put("kind", kind);
        json.set("metadata", metadata(Fields.parse(object.bytes(1))));
        switch (kind) {
            case "Secret" -> {
                ObjectNode data = JSON.createObjectNode();
                object.map(2).forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v)));
                object.map(4).forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v)));
                json.set("data", data);
                if (object.has(3)) {
                    json.put("type", object.string(3));
                }
            }
            case "ConfigMap" -> {
                ObjectNode data = JSON.createObjectNode();
                object.map(2).forEach((k, v) -> data.put(k, new String(v, StandardCharsets.UTF_8)));
                json.set("data", data);
                ObjectNode binary = JSON.createObjectNode();
                object.map(3).forEach((k, v) -> binary.put(k, Base64.getEncoder().encodeToString(v)));
                json.set("binaryData", binary);
            }
            case "Namespace" -> {
                // metadata only
            }
            default -> throw new IllegalArgumentException("the mock reads no protobuf " + kind);
        }
        return json.toString();
    }

    private static ObjectNode metadata(Fields meta) {
        ObjectNode json = JSON.createObjectNode();
        if (meta.has(1)) {
            json.put("name", meta.string(1));
        }
        if (meta.has(2)) {
            json.put("generateName", meta.string(2));
        }
        if (meta.has(3)) {
            json.put("namespace", meta.string(3));
        }
        if (meta.has(6)) {
            json.put("resourceVersion", meta.string(6));
        }
        ObjectNode labels = JSON.createObjectNode();
        meta.map(11).forEach((k, v) -> labels.put(k, new String(v, StandardCharsets.UTF_8)));
        if (!labels.isEmpty()) {
            json.set("labels", labels);
        }
        ObjectNode annotations = JSON.createObjectNode();
        meta.map(12).forEach((k, v) -> annotations.put(k, new String(v, StandardCharsets.UTF_8)));
        if (!annotations.isEmpty()) {
            json.set("annotations", annotations);
        }
        return json;
    }

    /** The length-delimited fields of one message, by number (repeated ones in order). */
    private record Fields(Map<Integer, java.util.List<byte[]>> values) {

        static Fields parse(byte[] bytes) {
            return parse(bytes, 0, bytes.length);
        }

        static Fields parse(byte[] bytes, int from, int to) {
            Map<Integer, java.util.List<byte[]>> values = new LinkedHashMap<>();
            int[] at = {from};
            while (at[0] < to) {
                long key = varint(bytes, at);
                int field = (int) (key >>> 3);
                switch ((int) (key & 7)) {
                    case 0 -> varint(bytes, at);
                    case 1 -> at[0] += 8;
                    case 5 -> at[0] += 4;
                    case 2 -> {
                        int length = (int) varint(bytes, at);
                        if (length < 0 || at[0] + length > to) {
                            throw new IllegalArgumentException("a field runs past its message");
                        }
                        values.computeIfAbsent(field, f -> new java.util.ArrayList<>())
                                .add(Arrays.copyOfRange(bytes, at[0], at[0] + length));
                        at[0] += length;
                    }
                    default -> throw new IllegalArgumentException("wire type " + (key & 7) + " is not read here");
                }
            }
            return new Fields(values);
        }

        boolean has(int field) {
            return values.containsKey(field);
        }

        byte[] bytes(int field) {
            java.util.List<byte[]> list = values.get(field);
            return list == null ? new byte[0] : list.getLast();
        }

        String string(int field) {
            return new String(bytes(field), StandardCharsets.UTF_8);
        }

        Map<String, byte[]> map(int field) {
            Map<String, byte[]> map = new LinkedHashMap<>();
            for (byte[] entry : values.getOrDefault(field, java.util.List.of())) {
                Fields kv = parse(entry);
                map.put(kv.string(1), kv.bytes(2));
            }
            return map;
        }

        private static long varint(byte[] bytes, int[] at) {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = bytes[at[0]++];
                value |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("a varint longer than 10 bytes");
        }
    }

    /** Writes a protobuf body as kubectl does: for the tests of this class. */
    static byte[] encode(String apiVersion, String kind, byte[] object) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(MAGIC);
        ByteArrayOutputStream typeMeta = new ByteArrayOutputStream();
        field(typeMeta, 1, apiVersion.getBytes(StandardCharsets.UTF_8));
        field(typeMeta, 2, kind.getBytes(StandardCharsets.UTF_8));
        field(out, 1, typeMeta.toByteArray());
        field(out, 2, object);
        return out.toByteArray();
    }

    static void field(ByteArrayOutputStream out, int number, byte[] value) {
        varint(out, (long) number << 3 | 2);
        varint(out, value.length);
        out.writeBytes(value);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) (value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
    }
}
