package dev.ignis.runtime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Prompt prefix reuse: a follow-up chat turn takes the conversation so far from a slot's KV cache. */
@QuarkusTest
class PrefixCacheIT {

    @BeforeEach
    void modelIsReady() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                given().get("/health/ready").then().statusCode(200));
    }

    private static JsonPath chat(List<Map<String, String>> messages, boolean cachePrompt) {
        Map<String, Object> body = new HashMap<>(Map.of("messages", messages, "max_tokens", 30, "temperature", 0));
        if (!cachePrompt) {
            body.put("cache_prompt", false);
        }
        return given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON).body(body)
                .post("/v1/chat/completions").then().statusCode(200).extract().jsonPath();
    }

    private static double cachedMetric() {
        String metrics = given().get("/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^ignis_tokens_prompt_cached_total(?:\\{[^}]*})? (\\S+)").matcher(metrics);
        assertThat(m.find()).as("ignis_tokens_prompt_cached_total in /metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aFollowUpTurnReusesTheConversationAndAnswersTheSame() {
        List<Map<String, String>> messages = new ArrayList<>(List.of(
                Map.of("role", "system", "content", "You tell stories about a purple owl named Quill."),
                Map.of("role", "user", "content", "Tell me how Quill found a hat.")));
        JsonPath first = chat(messages, true);
        int firstPrompt = first.getInt("usage.prompt_tokens");
        messages.add(Map.of("role", "assistant", "content", first.getString("choices[0].message.content")));
        messages.add(Map.of("role", "user", "content", "And then?"));

        double before = cachedMetric();
        JsonPath second = chat(messages, true);
        int cached = second.getInt("usage.prompt_tokens_details.cached_tokens");
        double after = cachedMetric();
        JsonPath cold = chat(messages, false);

        System.out.printf("prefix reuse: first turn %d prompt tokens; second turn %d prompt tokens, %d from the cache%n",
                firstPrompt, second.getInt("usage.prompt_tokens"), cached);
        // The whole first prompt is in the cache, and the answer's tokens as far as they tokenize the same.
        assertThat(cached).isGreaterThanOrEqualTo(firstPrompt - 1).isLessThan(second.getInt("usage.prompt_tokens"));
        assertThat(after - before).isEqualTo(cached);
        assertThat(cold.getInt("usage.prompt_tokens_details.cached_tokens")).isZero();
        assertThat(second.getString("choices[0].message.content"))
                .isEqualTo(cold.getString("choices[0].message.content"));
        assertThat(second.getInt("usage.prompt_tokens")).isEqualTo(cold.getInt("usage.prompt_tokens"));
    }

    @Test
    void theSamePromptAgainComputesOnlyItsLastToken() {
        List<Map<String, String>> messages = List.of(Map.of("role", "user", "content",
                "Once there was a tiny red boat that wanted to sail to the moon."));
        JsonPath first = chat(messages, true);
        JsonPath again = chat(messages, true);
        assertThat(again.getInt("usage.prompt_tokens_details.cached_tokens"))
                .isEqualTo(again.getInt("usage.prompt_tokens") - 1);
        assertThat(again.getString("choices[0].message.content"))
                .isEqualTo(first.getString("choices[0].message.content"));
    }
}
