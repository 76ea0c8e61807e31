package dev.ignis.runtime.bench;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ignis.runtime.FourSlotsProfile;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Keeps the load benchmark working: about a second per client count against stories260K, and the engine alone
 * on the same file, must finish without errors. It measures nothing worth reporting (the figures come from a
 * full run, see docs/how-to/benchmark.md) and asserts no speed.
 */
@QuarkusTest
@TestProfile(FourSlotsProfile.class)
class LoadBenchIT {

    @TestHTTPResource("/")
    URL base;

    @Test
    void shortRunAtSeveralClientCountsHasNoErrors() throws Exception {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                given().get("/health/ready").then().statusCode(200));
        Path model = Path.of(ConfigProvider.getConfig().getValue("ignis.runtime.model", String.class));
        assertThat(model).as("the test model (shared/models)").isRegularFile();
        List<String> printed = new ArrayList<>();
        LoadBench.Report report = new LoadBench(new LoadBench.Options(base.toString(), "test-endpoint-key-1",
                new int[] {1, 4, 8}, 1.0, 16, 24, 1, model, System.getProperty("java.class.path"), "1,4", 24))
                .run(printed::add);
        printed.forEach(System.out::println);
        assertThat(report.levels()).extracting(LoadBench.Level::clients).containsExactly(1, 4, 8);
        assertThat(report.levels()).allSatisfy(level -> {
            assertThat(level.errors()).as(String.join("\n", level.problems())).isZero();
            assertThat(level.requests()).isGreaterThanOrEqualTo(level.clients());
            assertThat(level.completionTokens()).isPositive();
        });
        assertThat(report.engineBefore().decodeTokensPerSecond()).as(report.engineBefore().output()).isPositive();
        assertThat(report.engineBefore().batched()).containsOnlyKeys(1);
        assertThat(report.engineAfterOne().decodeTokensPerSecond()).as(report.engineAfterOne().output()).isPositive();
        assertThat(report.engineAfterOne().batched()).containsOnlyKeys(1);
        assertThat(report.engineAfter().decodeTokensPerSecond()).as(report.engineAfter().output()).isPositive();
        assertThat(report.engineAfter().batched()).containsOnlyKeys(1, 4);
        assertThat(printed).anyMatch(l -> l.startsWith("aggregate at 8 clients / 1 client: "))
                .anyMatch(l -> l.startsWith("aggregate at 4 clients / 1 client: ") && l.contains("batched x4 / x1"))
                .anyMatch(l -> l.startsWith("one client through HTTP / engine alone, decode rate: "));
    }
}
