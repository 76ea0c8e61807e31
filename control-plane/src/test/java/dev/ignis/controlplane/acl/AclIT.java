package dev.ignis.controlplane.acl;

import static dev.ignis.controlplane.testing.Api.deploy;
import static dev.ignis.controlplane.testing.Api.newTenant;
import static dev.ignis.controlplane.testing.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import dev.ignis.controlplane.testing.PostgresTestResource;
import dev.ignis.controlplane.testing.RecordingProvisioner;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class AclIT {

    private static final String PROBLEMS = "https://ignis.dev/problems/";

    @Inject
    RecordingProvisioner provisioner;

    @Test
    void emptyListMeansOpenAndRulesAreNormalised() {
        var tenant = newTenant("acl");
        String id = deploy(tenant, unique("acl"));
        String acls = "/v1/deployments/" + id + "/acls";
        tenant.api().get(acls).then().statusCode(200).body("acls", hasSize(0)).body("total_count", equalTo(0));
        tenant.api().body(Map.of("acls", List.of(Map.of("ip", "203.0.113.7", "description", "office"),
                        Map.of("ip", "2001:DB8:0:0::/64"), Map.of("ip", "10.0.0.0/8"))))
                .post(acls).then().statusCode(201)
                .body("acls.ip", equalTo(List.of("203.0.113.7/32", "2001:db8::/64", "10.0.0.0/8")));
        tenant.api().get(acls).then().body("total_count", equalTo(3)).body("acls[0].description", equalTo("office"));
        assertThat(provisioner.lastApplied(UUID.fromString(id)).allowedCidrs())
                .containsExactly("203.0.113.7/32", "2001:db8::/64", "10.0.0.0/8");
    }

    @Test
    void invalidRulesAreRefusedWithTheirPaths() {
        var tenant = newTenant("aclbad");
        String id = deploy(tenant, unique("aclbad"));
        String acls = "/v1/deployments/" + id + "/acls";
        tenant.api().body(Map.of("acls", List.of(Map.of("ip", "10.0.0.0/8"), Map.of("ip", "example.com"),
                        Map.of("ip", "192.168.1.1/24"))))
                .post(acls).then().statusCode(400)
                .body("type", equalTo(PROBLEMS + "validation-failed"))
                .body("errors.field", equalTo(List.of("acls[1].ip", "acls[2].ip")))
                .body("errors[1].message", containsString("192.168.1.0/24"));
        tenant.api().get(acls).then().body("total_count", equalTo(0));
        tenant.api().body(Map.of("acls", List.of(Map.of("ip", "10.1.1.1"), Map.of("ip", "10.1.1.1/32"))))
                .post(acls).then().statusCode(409).body("type", equalTo(PROBLEMS + "duplicate-acl"));
        tenant.api().body(Map.of("acls", List.of(Map.of("ip", "10.1.1.1")))).post(acls).then().statusCode(201);
        tenant.api().body(Map.of("acls", List.of(Map.of("ip", "10.1.1.1/32")))).post(acls).then().statusCode(409)
                .body("errors.field", hasItem("acls[0].ip"));
        tenant.api().body(Map.of("acls", List.of())).post(acls).then().statusCode(400);
    }

    @Test
    void replaceSwapsTheWholeListAndEmptyOpensIt() {
        var tenant = newTenant("aclput");
        String id = deploy(tenant, unique("aclput"), Map.of("acls", List.of(Map.of("ip", "198.51.100.0/24"))));
        String acls = "/v1/deployments/" + id + "/acls";
        tenant.api().get(acls).then().body("acls.ip", equalTo(List.of("198.51.100.0/24")));
        tenant.api().body(Map.of("acls", List.of(Map.of("ip", "192.0.2.1"), Map.of("ip", "::1"))))
                .put(acls).then().statusCode(200).body("acls.ip", equalTo(List.of("192.0.2.1/32", "::1/128")));
        assertThat(provisioner.lastApplied(UUID.fromString(id)).allowedCidrs()).containsExactly("192.0.2.1/32", "::1/128");
        tenant.api().body(Map.of("acls", List.of())).put(acls).then().statusCode(200).body("total_count", equalTo(0));
        assertThat(provisioner.lastApplied(UUID.fromString(id)).allowedCidrs()).isEmpty();
        tenant.api().get("/v1/deployments/" + id + "/events").then()
                .body("events.message", hasItem(containsString("every address may connect")));
    }

    @Test
    void deleteOneRule() {
        var tenant = newTenant("acldel");
        String id = deploy(tenant, unique("acldel"));
        String acls = "/v1/deployments/" + id + "/acls";
        String ruleId = tenant.api().body(Map.of("acls", List.of(Map.of("ip", "192.0.2.0/24"), Map.of("ip", "192.0.3.0/24"))))
                .post(acls).then().statusCode(201).extract().path("acls[0].id");
        tenant.api().delete(acls + "/" + ruleId).then().statusCode(204);
        tenant.api().delete(acls + "/" + ruleId).then().statusCode(404);
        tenant.api().get(acls).then().body("acls.ip", equalTo(List.of("192.0.3.0/24")));
        assertThat(provisioner.lastApplied(UUID.fromString(id)).allowedCidrs()).containsExactly("192.0.3.0/24");
    }

    @Test
    void theMaximumHoldsUnderConcurrentAdds() throws Exception {
        var tenant = newTenant("aclmax");
        String id = deploy(tenant, unique("aclmax"));
        String acls = "/v1/deployments/" + id + "/acls";
        List<Map<String, String>> sixty = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            sixty.add(Map.of("ip", "10.0." + i + ".0/24"));
        }
        tenant.api().body(Map.of("acls", sixty)).post(acls).then().statusCode(201);
        int writers = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<Integer>> codes = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int base = 100 + w * 2;
                codes.add(pool.submit(() -> {
                    start.await();
                    return tenant.api().body(Map.of("acls", List.of(Map.of("ip", "10.1." + base + ".0/24"),
                            Map.of("ip", "10.1." + (base + 1) + ".0/24")))).post(acls).statusCode();
                }));
            }
            start.countDown();
            List<Integer> results = new ArrayList<>();
            for (Future<Integer> f : codes) {
                results.add(f.get());
            }
            assertThat(results.stream().filter(c -> c == 201)).hasSize(2);
            assertThat(results.stream().filter(c -> c == 409)).hasSize(2);
        } finally {
            pool.shutdownNow();
        }
        tenant.api().get(acls).then().body("total_count", equalTo(64));
        tenant.api().body(Map.of("acls", List.of(Map.of("ip", "172.16.0.0/12")))).post(acls).then().statusCode(409)
                .body("type", equalTo(PROBLEMS + "too-many-acls"));
    }

    @Test
    void anotherProjectCannotSeeOrChangeTheList() {
        var tenant = newTenant("aclown");
        String id = deploy(tenant, unique("aclown"));
        var other = newTenant("aclother");
        other.api().get("/v1/deployments/" + id + "/acls").then().statusCode(404);
        other.api().body(Map.of("acls", List.of(Map.of("ip", "0.0.0.0/0")))).post("/v1/deployments/" + id + "/acls")
                .then().statusCode(404);
    }
}
