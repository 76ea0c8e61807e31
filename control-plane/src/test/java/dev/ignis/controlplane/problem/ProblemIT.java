package dev.ignis.controlplane.problem;

import static dev.ignis.controlplane.testing.Api.admin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import dev.ignis.controlplane.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/** Every failure is an RFC 9457 problem with a stable type, never a stack trace or a class name. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class ProblemIT {

    private static final String BASE = "https://ignis.dev/problems/";

    @Test
    void unknownRouteIsProblemNotFound() {
        admin().get("/v1/no-such-thing").then().statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo(BASE + "not-found"))
                .body("status", equalTo(404))
                .body("detail", containsString("/v1/no-such-thing"))
                .body("instance", equalTo("/v1/no-such-thing"));
    }

    @Test
    void unknownIdIsProblemNotFound() {
        admin().get("/v1/deployments/00000000-0000-0000-0000-000000000000").then().statusCode(404)
                .body("type", equalTo(BASE + "not-found"));
    }

    @Test
    void malformedIdIsNotFoundNotServerError() {
        admin().get("/v1/deployments/not-a-uuid").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void wrongMethodIsProblemMethodNotAllowed() {
        admin().put("/v1/models").then().statusCode(405)
                .contentType("application/problem+json")
                .body("type", equalTo(BASE + "method-not-allowed"));
    }

    @Test
    void unsupportedMediaTypeIsProblem() {
        admin().contentType(ContentType.XML).body("<deployment/>").post("/v1/deployments").then().statusCode(415)
                .contentType("application/problem+json")
                .body("type", equalTo(BASE + "unsupported-media-type"));
    }

    @Test
    void malformedJsonIsProblemWithoutInternals() {
        admin().body("{\"name\": ").post("/v1/deployments").then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo(BASE + "malformed-request"))
                .body(not(containsString("Exception")))
                .body(not(containsString("com.fasterxml")));
    }

    @Test
    void wrongJsonTypeNamesTheField() {
        admin().body("{\"name\": \"x\", \"model\": \"a:fp16\", \"node_type\": \"cpu-2x4\", \"min_replicas\": \"two\"}")
                .post("/v1/deployments").then().statusCode(400)
                .body("type", equalTo(BASE + "validation-failed"))
                .body("errors.field", hasItem("min_replicas"));
    }

    @Test
    void unknownFieldIsRefusedByName() {
        admin().body("{\"name\": \"x\", \"modle\": \"a:fp16\"}").post("/v1/deployments").then().statusCode(400)
                .body("errors.field", hasItem("modle"))
                .body("errors.message", hasItem("unknown field"));
    }

    @Test
    void emptyBodyIsValidationProblem() {
        admin().post("/v1/deployments").then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo(BASE + "validation-failed"));
    }

    @Test
    void beanValidationReportsEveryFieldPath() {
        admin().body("{\"name\": \"Bad Name\", \"model\": \"\", \"node_type\": \"cpu-2x4\", \"min_replicas\": 0,"
                        + " \"engine\": {\"threads\": 0}}")
                .post("/v1/deployments").then().statusCode(400)
                .body("type", equalTo(BASE + "validation-failed"))
                .body("errors.field", hasItem("name"))
                .body("errors.field", hasItem("model"))
                .body("errors.field", hasItem("min_replicas"))
                .body("errors.field", hasItem("engine.threads"));
    }

    @Test
    void invalidQueryParameterIsNamed() {
        admin().get("/v1/deployments?page_size=1000").then().statusCode(400)
                .body("errors.field", hasItem("page_size"));
        admin().get("/v1/deployments?order_by=sideways").then().statusCode(400)
                .body("errors.field", hasItem("order_by"));
        admin().get("/v1/deployments?page=abc").then().statusCode(400)
                .body("errors.field", hasItem("page"));
    }

    @Test
    void missingKeyIsUnauthorizedWithChallenge() {
        given().get("/v1/deployments").then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body("type", equalTo(BASE + "unauthorized"));
    }

    @Test
    void unknownKeyIsUnauthorized() {
        given().header("Authorization", "Bearer ignis_mk_nope").get("/v1/models").then().statusCode(401)
                .body("detail", containsString("unknown or revoked"));
        given().header("Authorization", "Basic dXNlcjpwYXNz").get("/v1/models").then().statusCode(401)
                .body("detail", containsString("Bearer"));
    }

    @Test
    void healthAndMetricsNeedNoKey() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("http_server_requests"));
    }
}
