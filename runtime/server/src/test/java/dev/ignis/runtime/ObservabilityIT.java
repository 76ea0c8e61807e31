package dev.ignis.runtime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What an operator sees of the runtime: the metrics at /metrics and one log line per request. */
@QuarkusTest
class ObservabilityIT {

    private static final String REQUEST_LOG = "dev.ignis.runtime.requests";

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            lines.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void modelIsReadyAndTheRequestLogIsCaptured() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                given().get("/health/ready").then().statusCode(200));
        lines.clear();
        Logger.getLogger(REQUEST_LOG).addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        Logger.getLogger(REQUEST_LOG).removeHandler(capture);
    }

    private static RequestSpecification api() {
        return given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON);
    }

    @Test
    void metricsCountRequestsByStatusAndShowSlotsAndKvCacheUse() {
        api().body(Map.of("prompt", "Zoo", "max_tokens", 4, "temperature", 0)).post("/v1/completions").then()
                .statusCode(200);
        api().body(Map.of("prompt", "Zoo", "temperature", 9)).post("/v1/completions").then().statusCode(400);

        String metrics = given().get("/metrics").then().statusCode(200).extract().asString();
        // Quarkus' HTTP server metrics cover the Vert.x routes, labelled with the route and the status.
        assertThat(metrics).contains(
                "http_server_requests_seconds_count{method=\"POST\",outcome=\"SUCCESS\",status=\"200\",uri=\"/v1/completions\"}",
                "http_server_requests_seconds_count{method=\"POST\",outcome=\"CLIENT_ERROR\",status=\"400\",uri=\"/v1/completions\"}");
        // The test profile: 2 slots of stories260K's 512 positions; idle now, so nothing is held.
        assertThat(value(metrics, "ignis_slots")).isEqualTo(2);
        assertThat(value(metrics, "ignis_kv_cache_capacity_tokens")).isEqualTo(1024);
        assertThat(value(metrics, "ignis_kv_cache_tokens")).isZero();
        assertThat(value(metrics, "ignis_kv_cache_usage_ratio")).isZero();
        assertThat(value(metrics, "ignis_requests_active")).isZero();
        assertThat(value(metrics, "ignis_requests_waiting")).isZero();
    }

    @Test
    void eachRequestLogsOneLineWithoutThePrompt() {
        String id = api().body(Map.of("prompt", "Zoo keepers count", "max_tokens", 6, "temperature", 0))
                .post("/v1/completions").then().statusCode(200).extract().path("id");
        api().body(Map.of("model", "no-such-model", "prompt", "Zoo keepers count")).post("/v1/completions").then()
                .statusCode(404);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(lines).filteredOn(l -> l.contains(" status=404")).hasSize(1));
        assertThat(lines).filteredOn(l -> l.startsWith("id=" + id + " ")).singleElement().satisfies(line -> {
            assertThat(line).contains(" method=POST route=/v1/completions status=200 prompt_tokens=",
                    " completion_tokens=6 ", " cached_tokens=", " ttft_ms=", " total_ms=", " finish_reason=length");
            assertThat(line).doesNotContain("Zoo", "keepers", "prompt=");
        });
        assertThat(lines).filteredOn(l -> l.contains(" status=404")).singleElement().satisfies(line ->
                assertThat(line).contains(" route=/v1/completions ").doesNotContain("Zoo", "prompt_tokens"));
    }

    @Test
    void aStreamedRequestLogsOneLineOnceItEnds() {
        String body = api().body(Map.of("prompt", "Zoo", "max_tokens", 5, "temperature", 0, "stream", true))
                .post("/v1/completions").then().statusCode(200).extract().asString();
        String id = body.substring(body.indexOf("\"id\":\"") + 6, body.indexOf('"', body.indexOf("\"id\":\"") + 6));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(lines).filteredOn(l -> l.startsWith("id=" + id + " ")).singleElement().satisfies(line ->
                        assertThat(line).contains(" status=200 ", " completion_tokens=5 ", " finish_reason=length")
                                .doesNotContain("client_closed")));
    }

    private static double value(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .orElseThrow(() -> new AssertionError(name + " is not at /metrics:\n" + metrics));
    }
}
