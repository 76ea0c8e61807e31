package dev.ignis.controlplane.deployment;

import static dev.ignis.controlplane.testing.Api.deploy;
import static dev.ignis.controlplane.testing.Api.newTenant;
import static dev.ignis.controlplane.testing.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import dev.ignis.controlplane.provisioner.DeploymentSpec;
import dev.ignis.controlplane.testing.Api;
import dev.ignis.controlplane.testing.PostgresTestResource;
import dev.ignis.controlplane.testing.RecordingProvisioner;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class DeploymentIT {

    private static final String PROBLEMS = "https://ignis.dev/problems/";

    @Inject
    RecordingProvisioner provisioner;

    @Test
    void createReturnsTheDeploymentAndHandsItToTheProvisioner() {
        var tenant = newTenant("create");
        String name = unique("stories");
        Response created = tenant.api().body(Map.of("name", name, "model", "stories260k:fp16", "node_type", "cpu-2x4",
                        "min_replicas", 1, "max_replicas", 3, "context_size", 256,
                        "engine", Map.of("threads", 2, "slots", 2), "tags", List.of("team=a", "demo"),
                        "endpoints", List.of(Map.of("type", "public"), Map.of("type", "private", "disable_auth", true))))
                .post("/v1/deployments");
        created.then().statusCode(201)
                .header("Location", containsString("/v1/deployments/"))
                .header("ETag", notNullValue())
                .body("name", equalTo(name))
                .body("model", equalTo("stories260k:fp16"))
                .body("quantization", equalTo("fp16"))
                .body("status", equalTo("creating"))
                .body("project_id", equalTo(tenant.projectId()))
                .body("endpoints.type", equalTo(List.of("public", "private")))
                .body("endpoints.requires_key", equalTo(List.of(true, false)))
                .body("footprint.node_memory_bytes", equalTo(4096 * 1024 * 1024L))
                .body("engine.slots", equalTo(2));
        String id = created.path("id");
        DeploymentSpec spec = provisioner.lastApplied(UUID.fromString(id));
        assertThat(spec).isNotNull();
        assertThat(spec.model().quantization()).isEqualTo("fp16");
        assertThat(spec.model().sourceUri()).startsWith("file:").endsWith("stories260K.gguf");
        assertThat(spec.maxReplicas()).isEqualTo(3);
        assertThat(spec.contextSize()).isEqualTo(256);
        assertThat(spec.allowedCidrs()).isEmpty();
        tenant.api().get("/v1/deployments/" + id).then().statusCode(200)
                .header("ETag", equalTo(created.header("ETag")))
                .body("tags", equalTo(List.of("team=a", "demo")));
        tenant.api().get("/v1/deployments/" + id + "/events").then().statusCode(200)
                .body("events[0].kind", equalTo("created"))
                .body("events[0].actor", containsString("key:"));
    }

    @Test
    void replicasRemovedBehindTheControlPlanesBackAreAnErrorNotALostRecord() {
        var tenant = newTenant("gone");
        String id = deploy(tenant, unique("gone"));
        provisioner.events().ready(UUID.fromString(id), "https://gone.example/v1", null, "1/1 replicas ready");
        provisioner.events().deleted(UUID.fromString(id));
        tenant.api().get("/v1/deployments/" + id).then().statusCode(200).body("status", equalTo("error"))
                .body("status_reason", containsString("removed outside the control plane"));
    }

    @Test
    void provisionerReportsDriveTheStatusAndHistory() {
        var tenant = newTenant("status");
        String id = deploy(tenant, unique("lifecycle"));
        UUID uuid = UUID.fromString(id);
        provisioner.events().deploying(uuid, "pulling the model");
        tenant.api().get("/v1/deployments/" + id).then().body("status", equalTo("deploying"))
                .body("status_reason", equalTo("pulling the model"));
        provisioner.events().ready(uuid, "https://stories.example/v1", null, "1/1 replicas ready");
        tenant.api().get("/v1/deployments/" + id).then().body("status", equalTo("ready"))
                .body("endpoints[0].url", equalTo("https://stories.example/v1"));
        provisioner.events().failed(uuid, "OOMKilled");
        tenant.api().get("/v1/deployments/" + id).then().body("status", equalTo("error"))
                .body("status_reason", equalTo("OOMKilled"));
        List<String> messages = tenant.api().get("/v1/deployments/" + id + "/events").then().extract()
                .jsonPath().getList("events.message");
        assertThat(messages).contains("creating -> deploying: pulling the model",
                "deploying -> ready: 1/1 replicas ready", "ready -> error: OOMKilled");
    }

    @Test
    void provisionerFailureOnApplyBecomesError() {
        var tenant = newTenant("applyfail");
        provisioner.failNextApply(new IllegalStateException("cluster unreachable"));
        String id = deploy(tenant, unique("broken"));
        tenant.api().get("/v1/deployments/" + id).then().body("status", equalTo("error"))
                .body("status_reason", containsString("could not apply"));
    }

    @Test
    void listIsPaginatedFilteredAndOrdered() {
        var tenant = newTenant("list");
        deploy(tenant, "alpha", Map.of("tags", List.of("blue")));
        deploy(tenant, "bravo", Map.of("model", "stories260k:int8"));
        deploy(tenant, "charlie", Map.of("tags", List.of("blue")));
        tenant.api().get("/v1/deployments?order_by=name_asc&page_size=2").then().statusCode(200)
                .body("total_count", equalTo(3))
                .body("deployments.name", equalTo(List.of("alpha", "bravo")));
        tenant.api().get("/v1/deployments?order_by=name_asc&page_size=2&page=2").then()
                .body("deployments.name", equalTo(List.of("charlie")));
        tenant.api().get("/v1/deployments?order_by=created_at_asc").then()
                .body("deployments.name", equalTo(List.of("alpha", "bravo", "charlie")));
        tenant.api().get("/v1/deployments").then()
                .body("deployments.name", equalTo(List.of("charlie", "bravo", "alpha")));
        tenant.api().get("/v1/deployments?tag=blue&order_by=name_desc").then()
                .body("deployments.name", equalTo(List.of("charlie", "alpha")));
        tenant.api().get("/v1/deployments?name=rav").then().body("deployments.name", equalTo(List.of("bravo")));
        tenant.api().get("/v1/deployments?model=stories260k:int8").then()
                .body("deployments.name", equalTo(List.of("bravo")));
        tenant.api().get("/v1/deployments?model=stories260k").then().body("total_count", equalTo(3));
        tenant.api().get("/v1/deployments?status=creating").then().body("total_count", equalTo(3));
        tenant.api().get("/v1/deployments?status=ready").then().body("total_count", equalTo(0));
        tenant.api().get("/v1/deployments?status=sleeping").then().statusCode(400)
                .body("errors.field", hasItem("status"));
    }

    @Test
    void updateWithIfMatchAppliesAndChangesTheEtag() {
        var tenant = newTenant("update");
        String id = deploy(tenant, unique("upd"));
        String etag = tenant.api().get("/v1/deployments/" + id).header("ETag");
        Response updated = tenant.api().header("If-Match", etag)
                .body(Map.of("max_replicas", 4, "model", "stories260k:int4", "tags", List.of("x")))
                .patch("/v1/deployments/" + id);
        updated.then().statusCode(200).body("max_replicas", equalTo(4)).body("model", equalTo("stories260k:int4"))
                .body("tags", equalTo(List.of("x")));
        assertThat(updated.header("ETag")).isNotEqualTo(etag);
        assertThat(provisioner.lastApplied(UUID.fromString(id)).model().quantization()).isEqualTo("int4");
        tenant.api().header("If-Match", etag).body(Map.of("min_replicas", 2)).patch("/v1/deployments/" + id)
                .then().statusCode(412).body("type", equalTo(PROBLEMS + "precondition-failed"));
        tenant.api().get("/v1/deployments/" + id + "/events").then()
                .body("events.message", hasItem(containsString("model stories260k:fp16 -> stories260k:int4")));
    }

    @Test
    void twoWritersWithTheSameEtagExactlyOneWins() throws Exception {
        var tenant = newTenant("race");
        String id = deploy(tenant, unique("race"));
        String etag = tenant.api().get("/v1/deployments/" + id).header("ETag");
        int writers = 6;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                int replicas = i + 2;
                results.add(pool.submit(() -> {
                    start.await();
                    return tenant.api().header("If-Match", etag).body(Map.of("max_replicas", replicas))
                            .patch("/v1/deployments/" + id).statusCode();
                }));
            }
            start.countDown();
            List<Integer> codes = new ArrayList<>();
            for (Future<Integer> f : results) {
                codes.add(f.get());
            }
            assertThat(codes).containsOnly(200, 412);
            assertThat(codes.stream().filter(c -> c == 200)).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void idempotencyKeyReplaysTheFirstCreate() {
        var tenant = newTenant("idem");
        Map<String, Object> body = Map.of("name", unique("once"), "model", "stories260k:fp16", "node_type", "cpu-2x4");
        String key = UUID.randomUUID().toString();
        String first = tenant.api().header("Idempotency-Key", key).body(body).post("/v1/deployments")
                .then().statusCode(201).extract().path("id");
        Response again = tenant.api().header("Idempotency-Key", key).body(body).post("/v1/deployments");
        again.then().statusCode(201).header("Idempotent-Replayed", "true").body("id", equalTo(first));
        tenant.api().header("Idempotency-Key", key).body(Map.of("name", unique("other"), "model", "stories260k:fp16",
                        "node_type", "cpu-2x4"))
                .post("/v1/deployments").then().statusCode(422)
                .body("type", equalTo(PROBLEMS + "idempotency-key-reused"));
        tenant.api().get("/v1/deployments").then().body("total_count", equalTo(1));
        // The same key in another project is another key.
        var other = newTenant("idem2");
        other.api().header("Idempotency-Key", key).body(body).post("/v1/deployments").then().statusCode(201);
    }

    @Test
    void concurrentCreatesWithOneIdempotencyKeyMakeOneDeployment() throws Exception {
        var tenant = newTenant("idemrace");
        Map<String, Object> body = Map.of("name", unique("once"), "model", "stories260k:fp16", "node_type", "cpu-2x4");
        String key = UUID.randomUUID().toString();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> ids = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Callable<String> call = () -> {
                    start.await();
                    return tenant.api().header("Idempotency-Key", key).body(body).post("/v1/deployments")
                            .then().statusCode(201).extract().path("id");
                };
                ids.add(pool.submit(call));
            }
            start.countDown();
            List<String> seen = new ArrayList<>();
            for (Future<String> f : ids) {
                seen.add(f.get());
            }
            assertThat(seen).hasSize(4).containsOnly(seen.getFirst());
        } finally {
            pool.shutdownNow();
        }
        tenant.api().get("/v1/deployments").then().body("total_count", equalTo(1));
    }

    @Test
    void refusesWhatCannotBeServed() {
        var tenant = newTenant("refuse");
        // bge-small is stored as Q8_0: 16-bit serving would add precision.
        tenant.api().body(Map.of("name", unique("bge"), "model", "bge-small-en-v1.5-q8_0:fp16", "node_type", "cpu-2x4"))
                .post("/v1/deployments").then().statusCode(400)
                .body("type", equalTo(PROBLEMS + "quantization-unavailable"))
                .body("detail", containsString("q8_0"));
        tenant.api().body(Map.of("name", unique("x"), "model", "stories260k:int3", "node_type", "cpu-2x4"))
                .post("/v1/deployments").then().statusCode(400).body("errors.field", hasItem("model"));
        tenant.api().body(Map.of("name", unique("x"), "model", "no-such-model:int8", "node_type", "cpu-2x4"))
                .post("/v1/deployments").then().statusCode(400).body("detail", containsString("no model named"));
        tenant.api().body(Map.of("name", unique("x"), "model", "stories260k", "node_type", "cpu-2x4"))
                .post("/v1/deployments").then().statusCode(400).body("errors.field", hasItem("model"));
        tenant.api().body(Map.of("name", unique("x"), "model", "stories260k:fp16", "node_type", "gpu-h100"))
                .post("/v1/deployments").then().statusCode(400).body("errors.field", hasItem("node_type"));
        tenant.api().body(Map.of("name", unique("x"), "model", "stories260k:fp16", "node_type", "cpu-2x4",
                        "context_size", 4096))
                .post("/v1/deployments").then().statusCode(400).body("errors.field", hasItem("context_size"))
                .body("detail", containsString("at most 512"));
        tenant.api().body(Map.of("name", unique("x"), "model", "stories260k:fp16", "node_type", "cpu-2x4",
                        "min_replicas", 3, "max_replicas", 2))
                .post("/v1/deployments").then().statusCode(400).body("errors.field", hasItem("min_replicas"));
    }

    @Test
    void modelThatDoesNotFitTheNodeTypeIsRefusedWithTheNumbers() {
        var tenant = newTenant("fit");
        tenant.api().body(Map.of("name", unique("big"), "model", "llama-3.1-8b-instruct:int8", "node_type", "cpu-2x4"))
                .post("/v1/deployments").then().statusCode(400)
                .body("type", equalTo(PROBLEMS + "node-type-too-small"))
                .body("detail", containsString("GiB of weights"))
                .body("detail", containsString("GiB of KV cache"))
                .body("detail", containsString("cpu-2x4 has 4.00 GiB"));
        tenant.api().body(Map.of("name", unique("fits"), "model", "llama-3.1-8b-instruct:int8",
                        "node_type", "cpu-4x16", "context_size", 4096))
                .post("/v1/deployments").then().statusCode(201)
                .body("footprint.weight_bytes", equalTo(8532152576L))
                .body("footprint.kv_cache_bytes", equalTo(2L * 32 * 1024 * 4096 * 4 * 4));
        // Growing the context past what the node holds is refused on update too.
        String id = tenant.api().get("/v1/deployments").then().extract().path("deployments[0].id");
        tenant.api().body(Map.of("context_size", 131072)).patch("/v1/deployments/" + id).then().statusCode(400)
                .body("type", equalTo(PROBLEMS + "node-type-too-small"));
    }

    @Test
    void duplicateNamesAreRefusedPerProject() {
        var tenant = newTenant("dup");
        String name = unique("same");
        deploy(tenant, name);
        tenant.api().body(Map.of("name", name, "model", "stories260k:fp16", "node_type", "cpu-2x4"))
                .post("/v1/deployments").then().statusCode(409).body("type", equalTo(PROBLEMS + "name-taken"));
        deploy(newTenant("dup2"), name);
    }

    @Test
    void deleteMarksDeletingThenRemoves() {
        var tenant = newTenant("delete");
        provisioner.holdDeletes(true);
        String id;
        try {
            id = deploy(tenant, unique("gone"));
            tenant.api().delete("/v1/deployments/" + id).then().statusCode(202).body("status", equalTo("deleting"));
            tenant.api().delete("/v1/deployments/" + id).then().statusCode(202).body("status", equalTo("deleting"));
            tenant.api().body(Map.of("max_replicas", 2)).patch("/v1/deployments/" + id).then().statusCode(409)
                    .body("type", equalTo(PROBLEMS + "deployment-deleting"));
            tenant.api().body(Map.of("acls", List.of(Map.of("ip", "10.0.0.0/8")))).post("/v1/deployments/" + id + "/acls")
                    .then().statusCode(409);
            // A late "ready" does not resurrect it.
            provisioner.events().ready(UUID.fromString(id), "https://late.example", null, "late");
            tenant.api().get("/v1/deployments/" + id).then().body("status", equalTo("deleting"));
        } finally {
            provisioner.holdDeletes(false);
        }
        provisioner.events().deleted(UUID.fromString(id));
        tenant.api().get("/v1/deployments/" + id).then().statusCode(404);
        assertThat(provisioner.deleted()).contains(UUID.fromString(id));
    }

    @Test
    void lockFreezesTheDeploymentForEveryoneButAdmins() {
        var tenant = newTenant("lock");
        String id = deploy(tenant, unique("locked"));
        tenant.api().post("/v1/deployments/" + id + "/lock").then().statusCode(403);
        Api.admin().post("/v1/deployments/" + id + "/lock").then().statusCode(200).body("status", equalTo("locked"));
        tenant.api().body(Map.of("max_replicas", 2)).patch("/v1/deployments/" + id).then().statusCode(409)
                .body("type", equalTo(PROBLEMS + "deployment-locked"));
        tenant.api().delete("/v1/deployments/" + id).then().statusCode(409);
        provisioner.events().ready(UUID.fromString(id), "https://x.example", null, "ignored while locked");
        tenant.api().get("/v1/deployments/" + id).then().body("status", equalTo("locked"));
        Api.admin().post("/v1/deployments/" + id + "/unlock").then().statusCode(200)
                .body("status", equalTo("deploying"));
        tenant.api().body(Map.of("max_replicas", 2)).patch("/v1/deployments/" + id).then().statusCode(200);
    }

    @Test
    void eventsArePaginatedNewestFirst() {
        var tenant = newTenant("events");
        String id = deploy(tenant, unique("ev"));
        for (int i = 2; i <= 4; i++) {
            tenant.api().body(Map.of("max_replicas", i)).patch("/v1/deployments/" + id).then().statusCode(200);
        }
        tenant.api().get("/v1/deployments/" + id + "/events?page_size=2").then().statusCode(200)
                .body("events", hasSize(2))
                .body("events[0].message", containsString("-> 1-4"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(tenant.api().get("/v1/deployments/" + id + "/events").then().extract()
                        .<Integer>path("total_count")).isGreaterThanOrEqualTo(4));
    }
}
