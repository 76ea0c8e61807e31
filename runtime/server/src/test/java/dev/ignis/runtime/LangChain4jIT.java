package dev.ignis.runtime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** LangChain4j's OpenAI chat models against the runtime: a plain chat, a stream, and structured output. */
@QuarkusTest
class LangChain4jIT {

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void modelIsReady() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                given().get("/health/ready").then().statusCode(200));
    }

    @Test
    void chatAndStreamingChatGiveTheSameGreedyAnswer() throws Exception {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(base + "v1").apiKey(OpenAiApiIT.KEY)
                .modelName("stories").temperature(0.0).maxTokens(24).timeout(Duration.ofSeconds(30)).build();
        ChatResponse whole = model.chat(ChatRequest.builder().messages(UserMessage.from("Tell me a story")).build());
        assertThat(whole.aiMessage().text()).isNotBlank();
        assertThat(whole.tokenUsage().outputTokenCount()).isPositive();
        assertThat(whole.finishReason()).isNotNull();

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(base + "v1")
                .apiKey(OpenAiApiIT.KEY).modelName("stories").temperature(0.0).maxTokens(24)
                .timeout(Duration.ofSeconds(30)).build();
        StringBuilder partials = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat("Tell me a story", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                partials.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse streamed = done.get(60, TimeUnit.SECONDS);
        assertThat(partials.toString()).isEqualTo(whole.aiMessage().text());
        assertThat(streamed.aiMessage().text()).isEqualTo(whole.aiMessage().text());
    }

    @Test
    void structuredOutputThroughLangChain4jIsValidJson() throws Exception {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(base + "v1").apiKey(OpenAiApiIT.KEY)
                .modelName("stories").temperature(0.0).maxTokens(300).strictJsonSchema(true)
                .timeout(Duration.ofSeconds(30)).build();
        JsonSchema schema = JsonSchema.builder().name("pet").rootElement(JsonObjectSchema.builder()
                .addStringProperty("name").addIntegerProperty("legs").addBooleanProperty("fluffy")
                .required("name", "legs", "fluffy").additionalProperties(false).build()).build();
        ChatResponse response = model.chat(ChatRequest.builder().messages(UserMessage.from("Describe a pet"))
                .responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(schema).build())
                .build());
        String text = response.aiMessage().text();
        Map<String, Object> pet = new ObjectMapper().readerForMapOf(Object.class).readValue(text);
        assertThat(pet.keySet()).as(text).containsExactlyInAnyOrderElementsOf(List.of("name", "legs", "fluffy"));
        assertThat(pet.get("legs")).isInstanceOf(Integer.class);
        assertThat(pet.get("fluffy")).isInstanceOf(Boolean.class);
    }
}
