package dev.ignis.runtime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The same seed gives the same text whether its sequence runs alone (one slot busy) or batched with three
 * others (all four slots busy): sampling is per sequence, and batching does not change a sequence's logits.
 */
@QuarkusTest
@TestProfile(FourSlotsProfile.class)
class SeededSamplingAcrossSlotsIT {

    private static final Map<String, Object> SEEDED = Map.of("prompt", "Once upon a time", "max_tokens", 60,
            "temperature", 1.0, "top_p", 0.95, "seed", 1234, "cache_prompt", false);

    @TestHTTPResource("/")
    URL base;

    private static String complete(Map<String, Object> body) {
        return given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON).body(body)
                .post("/v1/completions").then().statusCode(200).extract().path("choices[0].text");
    }

    @Test
    void sameSeedSameTextWithOneOrFourSlotsBusy() throws Exception {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                given().get("/health/ready").then().statusCode(200));
        String alone = complete(SEEDED);

        // Three long streams, each with a prompt and seed of its own, hold the other three slots (EOS, token 2 of
        // stories260K's vocabulary, is banned so that they run to max_tokens).
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        CountDownLatch started = new CountDownLatch(3);
        List<CompletableFuture<Long>> others = new ArrayList<>();
        String[] prompts = {"Zoo", "The little dog ran", "Lily and Ben"};
        for (int i = 0; i < 3; i++) {
            String body = "{\"prompt\":\"" + prompts[i] + "\",\"max_tokens\":420,\"temperature\":0.9,\"seed\":" + i
                    + ",\"logit_bias\":{\"2\":-100},\"stream\":true}";
            others.add(CompletableFuture.supplyAsync(() -> streamUntilDone(http, body, started)));
        }
        assertThat(started.await(30, TimeUnit.SECONDS)).as("the three streams started").isTrue();
        String together = complete(SEEDED);
        long answered = System.nanoTime();

        assertThat(together).isNotBlank().isEqualTo(alone);
        for (CompletableFuture<Long> other : others) {
            // Each stream was still running when the seeded answer came: all four slots were busy.
            assertThat(other.get(60, TimeUnit.SECONDS)).isGreaterThan(answered);
        }
    }

    /** Reads a streamed completion to its end; returns when it ended. */
    private long streamUntilDone(HttpClient http, String body, CountDownLatch started) {
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(base + "v1/completions"))
                    .header("Authorization", "Bearer " + OpenAiApiIT.KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                assertThat(response.statusCode()).isEqualTo(200);
                boolean first = true;
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (first && line.startsWith("data: {")) {
                        started.countDown();
                        first = false;
                    }
                    if (line.equals("data: [DONE]")) {
                        return System.nanoTime();
                    }
                }
                throw new AssertionError("the stream ended without [DONE]: " + body);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
