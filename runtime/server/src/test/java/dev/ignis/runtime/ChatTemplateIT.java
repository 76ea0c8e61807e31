package dev.ignis.runtime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real chat template on the chat route: rendered for a valid conversation, its own refusal as a 400. */
@QuarkusTest
@TestProfile(MistralTemplateProfile.class)
class ChatTemplateIT {

    @BeforeEach
    void modelIsReady() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                given().get("/health/ready").then().statusCode(200));
    }

    private static io.restassured.response.ValidatableResponse chat(List<Map<String, String>> messages) {
        return given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON)
                .body(Map.of("messages", messages, "max_tokens", 4, "temperature", 0))
                .post("/v1/chat/completions").then();
    }

    @Test
    void anAlternatingConversationIsRendered() {
        chat(List.of(Map.of("role", "system", "content", "Be brief."), Map.of("role", "user", "content", "Hi"),
                Map.of("role", "assistant", "content", "Hello"), Map.of("role", "user", "content", "A story")))
                .statusCode(200).body("usage.prompt_tokens", greaterThan(10));
    }

    @Test
    void theTemplatesBosIsNotAddedASecondTime() {
        // The template writes {{ bos_token }} first; stories260K adds BOS, but not in front of that one.
        List<Integer> rendered = given().header("Authorization", "Bearer " + OpenAiApiIT.KEY)
                .contentType(ContentType.JSON).body(Map.of("content", "<s>[INST]Hi[/INST]", "parse_special", true))
                .post("/tokenize").then().statusCode(200).extract().path("tokens");
        assertThat(rendered).startsWith(1).doesNotContainSequence(1, 1);
        chat(List.of(Map.of("role", "user", "content", "Hi"))).statusCode(200)
                .body("usage.prompt_tokens", equalTo(rendered.size()));
    }

    @Test
    void theTemplatesOwnRefusalIsA400WithItsMessage() {
        chat(List.of(Map.of("role", "user", "content", "a"), Map.of("role", "user", "content", "b")))
                .statusCode(400).body("error.type", equalTo("invalid_request_error"))
                .body("error.param", equalTo("messages"))
                .body("error.message", equalTo("the chat template refused the conversation: After the optional system"
                        + " message, conversation roles must alternate user/assistant/user/assistant/..."));
    }
}
