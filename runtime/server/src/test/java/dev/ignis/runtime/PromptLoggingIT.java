package dev.ignis.runtime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** With {@code ignis.runtime.log-prompts=true}, a request's log line carries its prompt as the model sees it. */
@QuarkusTest
@TestProfile(PromptLoggingIT.LogPrompts.class)
class PromptLoggingIT {

    public static class LogPrompts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ignis.runtime.log-prompts", "true");
        }
    }

    @Test
    void theLineCarriesThePromptWhenAskedTo() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                given().get("/health/ready").then().statusCode(200));
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
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
        Logger logger = Logger.getLogger("dev.ignis.runtime.requests");
        logger.addHandler(capture);
        try {
            String id = given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON)
                    .body(Map.of("messages", List.of(Map.of("role", "user", "content", "Tell me about \"Zoo\"")),
                            "max_tokens", 3, "temperature", 0))
                    .post("/v1/chat/completions").then().statusCode(200).extract().path("id");

            // The test profile's chat template writes "role: content" and a backslash-n (two characters, as
            // application.properties escapes it) per message, then "assistant:"; the line quotes it as JSON.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(lines).filteredOn(l -> l.startsWith("id=" + id + " ")).singleElement().satisfies(line ->
                            assertThat(line).contains(" route=/v1/chat/completions status=200 ")
                                    .endsWith(" prompt=\"user: Tell me about \\\"Zoo\\\"\\\\nassistant:\"")));
        } finally {
            logger.removeHandler(capture);
        }
    }
}
