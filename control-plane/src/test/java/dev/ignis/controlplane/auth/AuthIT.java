package dev.ignis.controlplane.auth;

import static dev.ignis.controlplane.testing.Api.admin;
import static dev.ignis.controlplane.testing.Api.as;
import static dev.ignis.controlplane.testing.Api.deploy;
import static dev.ignis.controlplane.testing.Api.newTenant;
import static dev.ignis.controlplane.testing.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.ignis.controlplane.testing.PostgresTestResource;
import dev.ignis.controlplane.testing.RecordingProvisioner;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class AuthIT {

    @Inject
    RecordingProvisioner provisioner;

    @Test
    void aKeySeesOnlyItsProject() {
        var a = newTenant("tenant-a");
        var b = newTenant("tenant-b");
        String id = deploy(a, unique("private"));
        b.api().get("/v1/deployments/" + id).then().statusCode(404);
        b.api().delete("/v1/deployments/" + id).then().statusCode(404);
        b.api().body(Map.of("max_replicas", 3)).patch("/v1/deployments/" + id).then().statusCode(404);
        b.api().get("/v1/deployments/" + id + "/events").then().statusCode(404);
        b.api().get("/v1/deployments").then().body("total_count", equalTo(0));
        b.api().get("/v1/projects/" + a.projectId()).then().statusCode(404);
        b.api().get("/v1/projects").then().body("projects.id", equalTo(List.of(b.projectId())));
        a.api().get("/v1/deployments/" + id).then().statusCode(200);
    }

    @Test
    void onlyAdminsManageProjectsAndKeys() {
        var member = newTenant("member");
        member.api().body(Map.of("name", unique("sneaky"))).post("/v1/projects").then().statusCode(403)
                .body("type", equalTo("https://ignis.dev/problems/forbidden"));
        member.api().body(Map.of("name", "more")).post("/v1/api-keys").then().statusCode(403);
        member.api().get("/v1/api-keys").then().statusCode(200)
                .body("api_keys.project_id", equalTo(List.of(member.projectId())))
                .body("api_keys[0]", not(hasKey("secret")));
    }

    @Test
    void secretIsShownOnceAndStoredHashed() {
        var tenant = newTenant("keys");
        var created = admin().body(Map.of("name", "ci", "project_id", tenant.projectId())).post("/v1/api-keys")
                .then().statusCode(201).body("secret", startsWith("ignis_mk_")).body("role", equalTo("member"));
        String secret = created.extract().path("secret");
        String keyId = created.extract().path("id");
        admin().get("/v1/api-keys?project_id=" + tenant.projectId() + "&page_size=100").then().statusCode(200)
                .body("api_keys.find { it.id == '" + keyId + "' }.secret", nullValue())
                .body("api_keys.find { it.id == '" + keyId + "' }.prefix", equalTo(secret.substring(0, 17)));
        ApiKeyEntity stored = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() ->
                ApiKeyEntity.findById(UUID.fromString(keyId)));
        assertThat(stored.secretHash).isEqualTo(sha256(secret));
        assertThat(new String(stored.secretHash, StandardCharsets.ISO_8859_1)).doesNotContain(secret);
        as(secret).get("/v1/deployments").then().statusCode(200);
        admin().delete("/v1/api-keys/" + keyId).then().statusCode(204);
        as(secret).get("/v1/deployments").then().statusCode(401);
    }

    @Test
    void theLastAdminKeyCannotBeRevoked() {
        String adminKeyId = admin().get("/v1/api-keys?page_size=100").then().extract()
                .path("api_keys.find { it.name == 'admin (IGNIS_ADMIN_KEY)' }.id");
        // Other tests may have created admin keys; revoke them all but the configured one, then try it.
        List<String> otherAdmins = admin().get("/v1/api-keys?page_size=100").then().extract()
                .path("api_keys.findAll { it.role == 'admin' && it.revoked_at == null && it.id != '" + adminKeyId + "' }.id");
        otherAdmins.forEach(id -> admin().delete("/v1/api-keys/" + id).then().statusCode(204));
        admin().delete("/v1/api-keys/" + adminKeyId).then().statusCode(409);
    }

    @Test
    void adminCreatesAndDeletesProjects() {
        String name = unique("proj");
        String id = admin().body(Map.of("name", name)).post("/v1/projects").then().statusCode(201)
                .body("name", equalTo(name)).extract().path("id");
        admin().body(Map.of("name", name)).post("/v1/projects").then().statusCode(409);
        admin().body(Map.of("name", "Not Valid")).post("/v1/projects").then().statusCode(400);
        admin().get("/v1/projects/" + id).then().statusCode(200);
        admin().delete("/v1/projects/" + id).then().statusCode(204);
        admin().get("/v1/projects/" + id).then().statusCode(404);
    }

    @Test
    void projectWithDeploymentsCannotBeDeleted() {
        var tenant = newTenant("busy");
        deploy(tenant, unique("busy"));
        admin().delete("/v1/projects/" + tenant.projectId()).then().statusCode(409)
                .body("type", equalTo("https://ignis.dev/problems/project-not-empty"));
    }

    @Test
    void endpointKeysAreSeparateShownOnceAndReachTheProvisionerAsHashes() {
        var tenant = newTenant("ek");
        String id = deploy(tenant, unique("ek"));
        String keys = "/v1/deployments/" + id + "/keys";
        var created = tenant.api().body(Map.of("name", "app")).post(keys).then().statusCode(201)
                .body("secret", startsWith("ignis_ek_"));
        String secret = created.extract().path("secret");
        String keyId = created.extract().path("id");
        tenant.api().get(keys).then().statusCode(200).body("keys[0].id", equalTo(keyId))
                .body("keys[0]", not(hasKey("secret")));
        assertThat(provisioner.lastApplied(UUID.fromString(id)).endpointKeySha256())
                .containsExactly(HexFormat.of().formatHex(sha256(secret)));
        // An endpoint key is not a management key.
        as(secret).get("/v1/deployments").then().statusCode(401);
        tenant.api().delete(keys + "/" + keyId).then().statusCode(204);
        tenant.api().delete(keys + "/" + keyId).then().statusCode(404);
        assertThat(provisioner.lastApplied(UUID.fromString(id)).endpointKeySha256()).isEmpty();
        tenant.api().get(keys).then().body("keys[0].revoked_at", not(nullValue()));
        newTenant("ek-other").api().get(keys).then().statusCode(404);
    }

    @Test
    void revokedKeyStopsWorkingEvenWhenCached() {
        var tenant = newTenant("revoke");
        tenant.api().get("/v1/models").then().statusCode(200);
        String keyId = admin().get("/v1/api-keys?project_id=" + tenant.projectId()).then().extract()
                .path("api_keys[0].id");
        admin().delete("/v1/api-keys/" + keyId).then().statusCode(204);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                tenant.api().get("/v1/models").then().statusCode(401));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
