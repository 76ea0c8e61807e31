package dev.ignis.controlplane.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.controlplane.testing.Api;
import dev.ignis.controlplane.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keeps the benchmark working: a short run against the test application must finish without errors and
 * clean up after itself. It measures nothing worth reporting (the figures come from a full run, see
 * docs/how-to/benchmark.md).
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class ApiBenchIT {

    @TestHTTPResource("/")
    URL base;

    @Test
    void shortRunHasNoErrorsAndCleansUp() throws Exception {
        var tenant = Api.newTenant("bench");
        List<ApiBench.Result> results = new ApiBench(base.toString(), tenant.key())
                .run(4, 0, 1, 20, "qwen2.5-0.5b-instruct:int8", "cpu-2x4");
        assertThat(results).hasSize(3);
        assertThat(results).allSatisfy(r -> {
            assertThat(r.errors()).as(r.report()).isZero();
            assertThat(r.requests()).as(r.report()).isPositive();
        });
        assertThat(results.get(2).requests()).isEqualTo(20);
        tenant.api().get("/v1/deployments").then().statusCode(200)
                .body("total_count", org.hamcrest.Matchers.equalTo(0));
    }
}
