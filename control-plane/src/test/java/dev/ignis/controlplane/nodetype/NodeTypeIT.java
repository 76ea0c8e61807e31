package dev.ignis.controlplane.nodetype;

import static dev.ignis.controlplane.testing.Api.newTenant;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.ignis.controlplane.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class NodeTypeIT {

    @Test
    void listsTheConfiguredSizesSmallestFirst() {
        newTenant("nodes").api().get("/v1/node-types").then().statusCode(200)
                .body("total_count", equalTo(4))
                .body("node_types.name", equalTo(List.of("cpu-2x4", "cpu-4x16", "cpu-8x32", "cpu-16x64")))
                .body("node_types[0].vcpus", equalTo(2))
                .body("node_types[0].memory_bytes", equalTo(4L * 1024 * 1024 * 1024))
                .body("node_types.description", hasItems(org.hamcrest.Matchers.containsString("GiB")));
    }

    @Test
    void getsOneByNameOrNotFound() {
        var tenant = newTenant("node");
        tenant.api().get("/v1/node-types/cpu-4x16").then().statusCode(200)
                .body("vcpus", equalTo(4)).body("memory_bytes", equalTo(16L * 1024 * 1024 * 1024));
        tenant.api().get("/v1/node-types/gpu-h100").then().statusCode(404)
                .body("type", equalTo("https://ignis.dev/problems/not-found"));
    }

    @Test
    void needsAKey() {
        given().get("/v1/node-types").then().statusCode(401);
    }
}
