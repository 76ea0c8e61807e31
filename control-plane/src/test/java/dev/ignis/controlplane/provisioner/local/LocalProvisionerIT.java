package dev.ignis.controlplane.provisioner.local;

import static dev.ignis.controlplane.testing.Api.newTenant;
import static dev.ignis.controlplane.testing.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.ignis.controlplane.testing.Api;
import dev.ignis.controlplane.testing.Models;
import dev.ignis.controlplane.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local provisioner end to end: real runtime processes (the runtime/server package built earlier in
 * the reactor, located by {@code ignis.local.runtime-jar}) serving stories260K behind the deployment's
 * proxy, called with the OpenAI SDK.
 */
@QuarkusTest
@TestProfile(LocalProvisionerIT.LocalProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
class LocalProvisionerIT {

    private static final Duration STARTUP = Duration.ofSeconds(120);

    /** The control plane with the local provisioner, its data in this module's target folder. */
    public static class LocalProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ignis.provisioner", "local",
                    // The test-only recording provisioner must not win over the real one.
                    "quarkus.arc.exclude-types", "dev.ignis.controlplane.testing.RecordingProvisioner",
                    "ignis.home", "target/local-provisioner-it",
                    "ignis.local.bind-host", "127.0.0.1",
                    "ignis.local.advertised-host", "127.0.0.1",
                    "ignis.local.stop-timeout", "5s",
                    "ignis.local.jvm-options", "--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
                            + " -Xmx256m -XX:TieredStopAtLevel=1",
                    // stories260K has no chat template of its own.
                    "ignis.local.runtime-env.IGNIS_RUNTIME_CHAT_TEMPLATE", "{% for m in messages %}{{ m.role }}:"
                            + " {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}");
        }
    }

    @Inject
    LocalProvisioner provisioner;

    @Test
    void deploymentServesThroughItsProxyAndFollowsItsSpec() throws Exception {
        var tenant = newTenant("local");
        String model = importStories(tenant, Models.path("stories260K/stories260K.gguf"));
        String variant = model + ":fp16";
        String id = tenant.api().body(Map.of("name", unique("local"), "model", variant, "node_type", "cpu-2x4",
                        "context_size", 256, "engine", Map.of("threads", 1, "slots", 2)))
                .post("/v1/deployments").then().statusCode(201).extract().path("id");
        String key = tenant.api().body(Map.of("name", "test")).post("/v1/deployments/" + id + "/keys")
                .then().statusCode(201).extract().path("secret");
        String url = awaitReady(tenant, id);
        assertThat(url).startsWith("http://127.0.0.1:").endsWith("/v1");
        List<String> history = tenant.api().get("/v1/deployments/" + id + "/events").then().statusCode(200)
                .extract().jsonPath().getList("events.message");
        assertThat(history).anyMatch(m -> m.startsWith("creating -> deploying"))
                .anyMatch(m -> m.startsWith("deploying -> ready")).noneMatch(m -> m.contains("-> error"));
        List<Long> pids = provisioner.replicaPids(UUID.fromString(id));
        assertThat(pids).hasSize(1);
        assertThat(alive(pids.getFirst())).isTrue();

        // Chat and a streamed completion through the proxy, with an endpoint key.
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(url).apiKey(key).maxRetries(0).build();
        ChatCompletion chat = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(variant).addUserMessage("Tell me a story").maxCompletionTokens(16).temperature(0.0).build());
        assertThat(chat.choices().getFirst().message().content()).get().asString().isNotBlank();
        CompletionCreateParams params = CompletionCreateParams.builder().model(variant).prompt("Once upon a time")
                .maxTokens(32).temperature(0.0).build();
        Completion whole = client.completions().create(params);
        StringBuilder streamed = new StringBuilder();
        int[] chunks = {0};
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(c -> {
                chunks[0]++;
                c.choices().forEach(choice -> streamed.append(choice.text()));
            });
        }
        assertThat(chunks[0]).as("server-sent events pass the proxy one by one").isGreaterThan(1);
        assertThat(streamed.toString()).isNotBlank().isEqualTo(whole.choices().getFirst().text());

        // A wrong key is refused by the proxy.
        OpenAIClient wrongKey = OpenAIOkHttpClient.builder().baseUrl(url).apiKey("ignis_ek_wrong").maxRetries(0).build();
        assertThatThrownBy(() -> wrongKey.completions().create(params)).isInstanceOf(UnauthorizedException.class);

        // Allowed IPs change without restarting the replica: 127.0.0.1 is refused, 127.0.0.2 admitted.
        tenant.api().body(Map.of("acls", List.of(Map.of("ip", "127.0.0.2/32")))).put("/v1/deployments/" + id + "/acls")
                .then().statusCode(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> client.completions()
                .create(params)).isInstanceOf(PermissionDeniedException.class));
        assertThat(rawGet(url + "/models", "127.0.0.2", key)).startsWith("HTTP/1.1 200").contains(variant);
        assertThat(rawGet(url + "/models", "127.0.0.1", key)).startsWith("HTTP/1.1 403").contains("ip_not_allowed");
        assertThat(provisioner.replicaPids(UUID.fromString(id))).isEqualTo(pids);
        tenant.api().body(Map.of("acls", List.of())).put("/v1/deployments/" + id + "/acls").then().statusCode(200);

        // Two replicas, spread over by the proxy.
        tenant.api().body(Map.of("min_replicas", 2)).patch("/v1/deployments/" + id).then().statusCode(200);
        await().atMost(STARTUP).until(() -> provisioner.replicaPids(UUID.fromString(id)).size() == 2
                && "ready".equals(status(tenant, id).getString("status")));
        List<Long> two = provisioner.replicaPids(UUID.fromString(id));
        assertThat(two).contains(pids.getFirst());
        assertThat(two.stream().filter(LocalProvisionerIT::alive).toList()).isEqualTo(two);
        assertThat(client.completions().create(params).choices().getFirst().text()).isEqualTo(streamed.toString());

        // A killed replica is restarted.
        long killed = two.getLast();
        ProcessHandle victim = ProcessHandle.of(killed).orElseThrow();
        assertThat(victim.destroyForcibly()).isTrue();
        victim.onExit().get();
        await().atMost(STARTUP).untilAsserted(() -> {
            List<Long> now = provisioner.replicaPids(UUID.fromString(id));
            assertThat(now).hasSize(2).doesNotContain(killed);
            assertThat(status(tenant, id).getString("status")).isEqualTo("ready");
        });
        List<Long> beforeRoll = provisioner.replicaPids(UUID.fromString(id));
        Path dir = provisioner.dataDir().resolve("deployments").resolve(id);
        try (Stream<Path> logs = Files.list(dir)) {
            assertThat(logs.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")).toList())
                    .as("one log per replica").containsExactlyInAnyOrder("replica-1.log", "replica-2.log",
                            "replica-3.log");
        }
        for (int i = 0; i < 4; i++) {
            assertThat(client.completions().create(params).choices().getFirst().text()).isEqualTo(streamed.toString());
        }

        // A new context size rolls the replicas: new ones start, the old ones stop once those serve.
        tenant.api().body(Map.of("context_size", 128)).patch("/v1/deployments/" + id).then().statusCode(200)
                .body("status", equalTo("deploying"));
        await().atMost(STARTUP).untilAsserted(() -> {
            List<Long> now = provisioner.replicaPids(UUID.fromString(id));
            assertThat(now).hasSize(2).doesNotContainAnyElementsOf(beforeRoll);
            assertThat(status(tenant, id).getString("status")).isEqualTo("ready");
        });
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(beforeRoll.stream().filter(LocalProvisionerIT::alive).toList()).as("old replicas").isEmpty());
        List<Long> rolled = provisioner.replicaPids(UUID.fromString(id));
        assertThat(client.completions().create(params).choices().getFirst().text()).isEqualTo(streamed.toString());

        // Delete: the processes stop, the files and the record go.
        tenant.api().delete("/v1/deployments/" + id).then().statusCode(202);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                tenant.api().get("/v1/deployments/" + id).then().statusCode(404));
        assertThat(rolled.stream().filter(LocalProvisionerIT::alive).toList()).as("replicas still running").isEmpty();
        assertThat(provisioner.replicaPids(UUID.fromString(id))).isEmpty();
        assertThat(dir).doesNotExist();
    }

    @Test
    void modelThatCannotLoadMakesTheDeploymentFailWithTheReason(@TempDir Path temp) throws Exception {
        var tenant = newTenant("local-broken");
        Path copy = temp.resolve("vanishing.gguf");
        Files.copy(Models.path("stories260K/stories260K.gguf"), copy);
        String model = importStories(tenant, copy);
        Files.delete(copy);
        String id = Api.deploy(tenant, unique("broken"), Map.of("model", model + ":int8", "context_size", 128));
        await().atMost(STARTUP).untilAsserted(() -> {
            JsonPath d = status(tenant, id);
            assertThat(d.getString("status")).isEqualTo("error");
            assertThat(d.getString("status_reason")).contains("could not be loaded").contains("vanishing.gguf");
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> provisioner.replicaPids(UUID.fromString(id)).isEmpty());
        tenant.api().delete("/v1/deployments/" + id).then().statusCode(202);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                tenant.api().get("/v1/deployments/" + id).then().statusCode(404));
    }

    /** Imports a GGUF file as a custom model of the tenant's project and waits until it is ready. */
    private static String importStories(Api.Tenant tenant, Path file) {
        String name = unique("stories-local");
        String modelId = tenant.api().body(Map.of("name", name, "source_uri", file.toUri().toString()))
                .post("/v1/models").then().statusCode(201).extract().path("id");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> tenant.api().get("/v1/models/" + modelId)
                .then().statusCode(200).body("status", equalTo("ready")));
        return name;
    }

    private static String awaitReady(Api.Tenant tenant, String id) {
        await().atMost(STARTUP).untilAsserted(() -> {
            JsonPath d = status(tenant, id);
            assertThat(d.getString("status")).as("status (reason: %s)", d.getString("status_reason")).isEqualTo("ready");
        });
        return status(tenant, id).getString("endpoints[0].url");
    }

    private static JsonPath status(Api.Tenant tenant, String id) {
        return tenant.api().get("/v1/deployments/" + id).then().statusCode(200).extract().jsonPath();
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** A GET from a chosen local source address (the JDK's HTTP client cannot bind one). */
    private static String rawGet(String url, String sourceAddress, String key) throws IOException {
        URI uri = URI.create(url);
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(sourceAddress, 0));
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nAuthorization: Bearer " + key + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
