package dev.ignis.runtime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code n} > 1: each choice is a sequence of its own, drawn with seed + index (the test profile has 2 slots). */
@QuarkusTest
class ChoicesIT {

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void modelIsReady() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                given().get("/health/ready").then().statusCode(200));
    }

    private static JsonPath complete(Map<String, Object> body) {
        return given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON).body(body)
                .post("/v1/completions").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void eachChoiceIsWhatItsSeedGivesAlone() {
        JsonPath both = complete(Map.of("prompt", "Once upon a time", "max_tokens", 30, "temperature", 1.0,
                "seed", 42, "n", 2));
        JsonPath first = complete(Map.of("prompt", "Once upon a time", "max_tokens", 30, "temperature", 1.0,
                "seed", 42));
        JsonPath second = complete(Map.of("prompt", "Once upon a time", "max_tokens", 30, "temperature", 1.0,
                "seed", 43));
        assertThat(both.getList("choices.index", Integer.class)).containsExactly(0, 1);
        assertThat(both.getString("choices[0].text")).isEqualTo(first.getString("choices[0].text"));
        assertThat(both.getString("choices[1].text")).isEqualTo(second.getString("choices[0].text"))
                .isNotEqualTo(both.getString("choices[0].text"));
        assertThat(both.getInt("usage.prompt_tokens")).isEqualTo(first.getInt("usage.prompt_tokens"));
        assertThat(both.getInt("usage.completion_tokens")).isEqualTo(first.getInt("usage.completion_tokens")
                + second.getInt("usage.completion_tokens"));
        assertThat(both.getInt("usage.total_tokens")).isEqualTo(both.getInt("usage.prompt_tokens")
                + both.getInt("usage.completion_tokens"));
    }

    @Test
    void streamedChoicesCarryTheirIndexAndEqualTheWholeAnswer() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(base + "v1").apiKey(OpenAiApiIT.KEY).maxRetries(0)
                .build();
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("stories")
                .addUserMessage("Tell me a story").maxCompletionTokens(40).temperature(0.9).seed(5).n(2).build();
        ChatCompletion whole = client.chat().completions().create(params);
        assertThat(whole.choices()).hasSize(2);
        Map<Long, StringBuilder> streamed = new TreeMap<>();
        Map<Long, String> finish = new TreeMap<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(c -> c.choices().forEach(ch -> {
                ch.delta().content().ifPresent(t -> streamed.computeIfAbsent(ch.index(), k -> new StringBuilder())
                        .append(t));
                ch.finishReason().ifPresent(f -> finish.put(ch.index(), f.asString()));
            }));
        }
        assertThat(streamed.keySet()).containsExactly(0L, 1L);
        assertThat(finish).containsOnlyKeys(0L, 1L);
        for (ChatCompletion.Choice choice : whole.choices()) {
            assertThat(streamed.get(choice.index()).toString()).isEqualTo(choice.message().content().orElseThrow());
        }
        assertThat(whole.choices().get(0).message().content()).isNotEqualTo(whole.choices().get(1).message().content());
    }

    @Test
    void choicesAboveTheSlotCountAreRefused() {
        given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON)
                .body(Map.of("messages", List.of(Map.of("role", "user", "content", "Hi")), "n", 3))
                .post("/v1/chat/completions").then().statusCode(400).body("error.param", equalTo("n"))
                .body("error.type", equalTo("invalid_request_error"));
    }
}
