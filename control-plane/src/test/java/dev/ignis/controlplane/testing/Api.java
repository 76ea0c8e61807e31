package dev.ignis.controlplane.testing;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Helpers for the API tests: authenticated requests and fixtures each test makes for itself. */
public final class Api {

    /** The admin key the test profile configures (ignis.admin-key). */
    public static final String ADMIN_KEY = "ignis_test_admin_key_0123456789abcdefghijkl";

    static {
        // On failure, show the request and the response body (the problem document) in the report.
        io.restassured.RestAssured.enableLoggingOfRequestAndResponseIfValidationFails();
    }

    private Api() {
    }

    public static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).accept(ContentType.JSON);
    }

    public static RequestSpecification admin() {
        return as(ADMIN_KEY);
    }

    /** A unique lower-case name for this test's resources. */
    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A new project with a member key: returns {projectId, key}. */
    public static Tenant newTenant(String prefix) {
        String projectId = admin().body(Map.of("name", unique(prefix))).post("/v1/projects")
                .then().statusCode(201).extract().path("id");
        String key = admin().body(Map.of("name", "member of " + prefix, "project_id", projectId))
                .post("/v1/api-keys").then().statusCode(201).extract().path("secret");
        return new Tenant(projectId, key);
    }

    public record Tenant(String projectId, String key) {
        public RequestSpecification api() {
            return as(key);
        }
    }

    /** Creates a deployment of the local stories260K model and returns its id. */
    public static String deploy(Tenant tenant, String name) {
        return deploy(tenant, name, Map.of());
    }

    public static String deploy(Tenant tenant, String name, Map<String, Object> extra) {
        var body = new java.util.HashMap<String, Object>(Map.of("name", name, "model", "stories260k:fp16",
                "node_type", "cpu-2x4"));
        body.putAll(extra);
        return tenant.api().body(body).post("/v1/deployments").then().statusCode(201).extract().path("id");
    }

    public static List<Map<String, Object>> list(io.restassured.response.Response response, String field) {
        return response.then().extract().jsonPath().getList(field);
    }
}
