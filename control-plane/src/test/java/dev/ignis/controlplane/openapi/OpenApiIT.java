package dev.ignis.controlplane.openapi;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.controlplane.testing.PostgresTestResource;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The OpenAPI document the app serves and the one committed under docs/reference/ must agree. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class OpenApiIT {

    static final Path COMMITTED = Path.of("../docs/reference/openapi.yaml");
    static final Path SERVED = Path.of("target/openapi-served.yaml");

    @Test
    void servedDocumentEqualsTheCommittedOne() throws Exception {
        String served = given().get("/q/openapi?format=yaml").then().statusCode(200).extract().asString();
        // Written on every run, so that a change to the API is one copy away from being committed.
        Files.writeString(SERVED, served);
        assertThat(Files.exists(COMMITTED))
                .as("docs/reference/openapi.yaml is missing: copy control-plane/" + SERVED + " there")
                .isTrue();
        // Compared as trees: the order of keys in a YAML mapping carries no meaning.
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        assertThat(yaml.readTree(served))
                .as("the API changed: copy control-plane/" + SERVED + " to docs/reference/openapi.yaml and commit it")
                .isEqualTo(yaml.readTree(Files.readString(COMMITTED)));
    }

    @Test
    void everyRouteIsDocumented() {
        String served = given().get("/q/openapi?format=yaml").then().statusCode(200).extract().asString();
        assertThat(served).contains("/v1/models:", "/v1/models/{id}:", "/v1/node-types:", "/v1/deployments:",
                "/v1/deployments/{id}:", "/v1/deployments/{id}/events:", "/v1/deployments/{id}/acls:",
                "/v1/deployments/{id}/acls/{aclId}:", "/v1/deployments/{id}/keys:", "/v1/projects:",
                "/v1/api-keys:");
    }
}
