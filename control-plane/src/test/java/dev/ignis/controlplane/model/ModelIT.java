package dev.ignis.controlplane.model;

import static dev.ignis.controlplane.testing.Api.admin;
import static dev.ignis.controlplane.testing.Api.newTenant;
import static dev.ignis.controlplane.testing.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import com.sun.net.httpserver.HttpServer;
import dev.ignis.controlplane.testing.Api;
import dev.ignis.controlplane.testing.Models;
import dev.ignis.controlplane.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class ModelIT {

    @Test
    void catalogListsWellKnownModelsWithVariantSizes() {
        JsonPath page = admin().get("/v1/models?name=llama-3.2-1b").then().statusCode(200)
                .body("total_count", equalTo(1)).extract().jsonPath();
        assertThat(page.getString("models[0].name")).isEqualTo("llama-3.2-1b-instruct");
        assertThat(page.getString("models[0].task")).isEqualTo("chat");
        assertThat(page.getString("models[0].status")).isEqualTo("ready");
        assertThat(page.getString("models[0].source.uri")).startsWith("https://").endsWith(".gguf");
        assertThat(page.getString("models[0].source.stored_precision")).isEqualTo("f16");
        assertThat(page.getList("models[0].quantizations.quantization"))
                .containsExactly("fp16", "bf16", "fp8", "int8", "int4");
        assertThat(page.getList("models[0].quantizations.variant")).contains("llama-3.2-1b-instruct:int8");
        long fp16 = page.getLong("models[0].quantizations[0].weight_bytes");
        long int4 = page.getLong("models[0].quantizations[4].weight_bytes");
        assertThat(fp16).isEqualTo(1235814400L * 2);
        assertThat(int4).isLessThan(fp16 / 3);
    }

    @Test
    void storedAtEightBitsOffersNoSixteenBitVariant() {
        admin().get("/v1/models?name=llama-3.1-8b").then().statusCode(200)
                .body("models[0].quantizations.quantization", equalTo(List.of("fp8", "int8", "int4")));
    }

    @Test
    void listIsPaginatedWithTotalCount() {
        int total = admin().get("/v1/models?page_size=1").then().statusCode(200)
                .body("models", hasSize(1)).extract().path("total_count");
        assertThat(total).isGreaterThan(3);
        String first = admin().get("/v1/models?page_size=2&page=1").then().extract().path("models[1].name");
        String second = admin().get("/v1/models?page_size=1&page=2").then().extract().path("models[0].name");
        assertThat(second).isEqualTo(first);
        admin().get("/v1/models?page=1000").then().statusCode(200).body("models", hasSize(0))
                .body("total_count", equalTo(total));
    }

    @Test
    void filtersByTaskAndTag() {
        admin().get("/v1/models?task=embedding&page_size=100").then().statusCode(200)
                .body("models.task", everyItem(equalTo("embedding")))
                .body("models.name", hasItem("all-minilm-l6-v2-f32"));
        admin().get("/v1/models?tag=qwen&page_size=100").then().statusCode(200)
                .body("models.name", hasItem("qwen3-0.6b"))
                .body("models.name", not(hasItem("llama-3.2-1b-instruct")));
        admin().get("/v1/models?task=poetry").then().statusCode(400).body("errors.field", hasItem("task"));
    }

    @Test
    void localFolderModelsAreReadFromTheirGgufHeaders() {
        JsonPath page = admin().get("/v1/models?name=stories260k").then().statusCode(200).extract().jsonPath();
        Map<String, Object> model = page.getMap("models.find { it.name == 'stories260k' }");
        assertThat(model).isNotNull();
        assertThat(model.get("origin")).isEqualTo("local");
        assertThat(model.get("architecture")).isEqualTo("llama");
        assertThat(model.get("task")).isEqualTo("completion");
        assertThat(model.get("status")).isEqualTo("ready");
        assertThat(((Number) model.get("parameter_count")).longValue()).isBetween(200_000L, 300_000L);
        assertThat(model.get("max_context")).isEqualTo(512);
        @SuppressWarnings("unchecked")
        Map<String, Object> source = (Map<String, Object>) model.get("source");
        assertThat(source.get("stored_precision")).isEqualTo("f32");
        assertThat(source.get("sha256")).isEqualTo(Models.sha256Of("stories260K/stories260K.gguf"));
        assertThat(((Number) model.get("size_bytes")).longValue())
                .isEqualTo(Models.size("stories260K/stories260K.gguf"));

        // The Q8_0 embedding model may be served at 8 or 4 bits, not 16.
        admin().get("/v1/models?name=bge-small").then().statusCode(200)
                .body("models[0].task", equalTo("embedding"))
                .body("models[0].source.stored_precision", equalTo("q8_0"))
                .body("models[0].quantizations.quantization", equalTo(List.of("fp8", "int8", "int4")));
    }

    @Test
    void importFromFileReadsHeaderAndVerifiesSha256() {
        var tenant = newTenant("import");
        String uri = Models.path("stories260K/stories260K.gguf").toUri().toString();
        String name = unique("my-stories");
        String id = tenant.api().body(Map.of("name", name, "source_uri", uri,
                        "sha256", Models.sha256Of("stories260K/stories260K.gguf"), "tags", List.of("mine")))
                .post("/v1/models").then().statusCode(201)
                .header("Location", containsString("/v1/models/"))
                .body("status", equalTo("preparing"))
                .body("origin", equalTo("custom"))
                .extract().path("id");
        awaitStatus(tenant, id, "ready");
        tenant.api().get("/v1/models/" + id).then().statusCode(200)
                .body("architecture", equalTo("llama"))
                .body("task", equalTo("completion"))
                .body("project_id", equalTo(tenant.projectId()))
                .body("source.stored_precision", equalTo("f32"))
                .body("quantizations", hasSize(5));
        // Another project does not see it.
        newTenant("other").api().get("/v1/models/" + id).then().statusCode(404);
        tenant.api().get("/v1/models?tag=mine").then().body("total_count", equalTo(1));
    }

    @Test
    void shaMismatchMakesTheModelError() {
        var tenant = newTenant("badsha");
        String id = tenant.api().body(Map.of("name", unique("bad-sha"),
                        "source_uri", Models.path("stories260K/stories260K.gguf").toUri().toString(),
                        "sha256", "0".repeat(64)))
                .post("/v1/models").then().statusCode(201).extract().path("id");
        awaitStatus(tenant, id, "error");
        tenant.api().get("/v1/models/" + id).then().body("status_message", containsString("sha256 mismatch"));
    }

    @Test
    void notGgufOrMissingSourceIsErrorNotServerFailure(@TempDir Path dir) throws Exception {
        var tenant = newTenant("badsrc");
        Path text = Files.writeString(dir.resolve("notes.gguf"), "this is not a model");
        String notGguf = tenant.api().body(Map.of("name", unique("text"), "source_uri", text.toUri().toString()))
                .post("/v1/models").then().statusCode(201).extract().path("id");
        String missing = tenant.api().body(Map.of("name", unique("missing"),
                        "source_uri", dir.resolve("absent.gguf").toUri().toString()))
                .post("/v1/models").then().statusCode(201).extract().path("id");
        String unreachable = tenant.api().body(Map.of("name", unique("unreachable"),
                        "source_uri", "http://127.0.0.1:9/model.gguf"))
                .post("/v1/models").then().statusCode(201).extract().path("id");
        awaitStatus(tenant, notGguf, "error");
        awaitStatus(tenant, missing, "error");
        awaitStatus(tenant, unreachable, "error");
        tenant.api().get("/v1/models/" + notGguf).then().body("status_message", containsString("GGUF"));
        tenant.api().get("/v1/models/" + missing).then().body("status_message", containsString("not found"));
    }

    @Test
    void importOverHttpReadsOnlyTheHeader() throws Exception {
        Path file = Models.path("stories260K/stories260K.gguf");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/models/stories.gguf", exchange -> {
            long size = Files.size(file);
            exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, size);
            try (OutputStream out = exchange.getResponseBody()) {
                Files.copy(file, out);
            } catch (java.io.IOException ignored) {
                // The control plane closes the connection once it has the header.
            }
        });
        server.start();
        try {
            var tenant = newTenant("http");
            String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/models/stories.gguf";
            String id = tenant.api().body(Map.of("name", unique("remote"), "source_uri", uri, "task", "completion"))
                    .post("/v1/models").then().statusCode(201).extract().path("id");
            awaitStatus(tenant, id, "ready");
            tenant.api().get("/v1/models/" + id).then()
                    .body("architecture", equalTo("llama"))
                    .body("size_bytes", equalTo((int) Files.size(file)))
                    .body("source.sha256", equalTo(null));
            String missing = tenant.api().body(Map.of("name", unique("remote404"),
                            "source_uri", "http://127.0.0.1:" + server.getAddress().getPort() + "/nope.gguf"))
                    .post("/v1/models").then().statusCode(201).extract().path("id");
            awaitStatus(tenant, missing, "error");
            tenant.api().get("/v1/models/" + missing).then().body("status_message", containsString("HTTP 404"));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void importValidatesItsInput() {
        admin().body(Map.of("name", "Bad:Name", "source_uri", "ftp://x/y.gguf", "sha256", "abc"))
                .post("/v1/models").then().statusCode(400)
                .body("errors.field", hasItem("name"))
                .body("errors.field", hasItem("sha256"));
        admin().body(Map.of("name", unique("ftp"), "source_uri", "ftp://x/y.gguf"))
                .post("/v1/models").then().statusCode(400)
                .body("errors.field", hasItem("source_uri"));
        admin().body(Map.of("name", "llama-3.2-1b-instruct", "source_uri", "file:///tmp/x.gguf"))
                .post("/v1/models").then().statusCode(409)
                .body("type", equalTo("https://ignis.dev/problems/name-taken"));
    }

    @Test
    void deleteIsRefusedWhileADeploymentUsesTheModel() {
        var tenant = newTenant("delmodel");
        String uri = Models.path("stories260K/stories260K.gguf").toUri().toString();
        String name = unique("in-use");
        String id = tenant.api().body(Map.of("name", name, "source_uri", uri)).post("/v1/models")
                .then().statusCode(201).extract().path("id");
        awaitStatus(tenant, id, "ready");
        String deployment = Api.deploy(tenant, unique("uses"), Map.of("model", name + ":int8"));
        tenant.api().delete("/v1/models/" + id).then().statusCode(409)
                .body("type", equalTo("https://ignis.dev/problems/model-in-use"))
                .body("detail", containsString("delete them first"));
        tenant.api().delete("/v1/deployments/" + deployment).then().statusCode(202);
        tenant.api().delete("/v1/models/" + id).then().statusCode(204);
        tenant.api().get("/v1/models/" + id).then().statusCode(404);
    }

    @Test
    void membersCannotDeletePublicModels() {
        var tenant = newTenant("member");
        String id = admin().get("/v1/models?name=tinyllama").then().extract().path("models[0].id");
        tenant.api().delete("/v1/models/" + id).then().statusCode(403);
        tenant.api().get("/v1/models/" + id).then().statusCode(200);
    }

    private static void awaitStatus(Api.Tenant tenant, String id, String status) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(tenant.api().get("/v1/models/" + id).then().statusCode(200).extract().<String>path("status"))
                        .isEqualTo(status));
    }
}
