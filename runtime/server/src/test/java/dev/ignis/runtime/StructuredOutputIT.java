package dev.ignis.runtime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.StructuredChatCompletionCreateParams;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code response_format} on stories260K, a story model that knows nothing of JSON: whatever it would have
 * said, the masked output must parse, and validate against the schema (checked by an independent JSON Schema
 * validator, networknt).
 */
@QuarkusTest
class StructuredOutputIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, Object> PERSON = Map.of(
            "type", "object",
            "properties", Map.of(
                    "name", Map.of("type", "string", "minLength", 1, "maxLength", 12),
                    "age", Map.of("type", "integer", "minimum", 1, "exclusiveMaximum", 13),
                    "mood", Map.of("enum", List.of("happy", "sad", "sleepy")),
                    "friends", Map.of("type", "array", "maxItems", 3,
                            "items", Map.of("type", "string", "maxLength", 8)),
                    "pet", Map.of("type", "object", "properties", Map.of(
                            "kind", Map.of("type", "string", "maxLength", 6),
                            "tame", Map.of("type", "boolean")),
                            "required", List.of("kind", "tame"), "additionalProperties", false),
                    "nickname", Map.of("type", List.of("string", "null"), "maxLength", 5)),
            "required", List.of("name", "age", "mood", "friends", "pet", "nickname"),
            "additionalProperties", false);

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void modelIsReady() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                given().get("/health/ready").then().statusCode(200));
    }

    private OpenAIClient client() {
        return OpenAIOkHttpClient.builder().baseUrl(base + "v1").apiKey(OpenAiApiIT.KEY).maxRetries(0).build();
    }

    private static ResponseFormatJsonSchema schemaFormat(Map<String, Object> schema) {
        ResponseFormatJsonSchema.JsonSchema.Schema.Builder s = ResponseFormatJsonSchema.JsonSchema.Schema.builder();
        schema.forEach((k, v) -> s.putAdditionalProperty(k, JsonValue.from(v)));
        return ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                .name("person").schema(s.build()).strict(true).build()).build();
    }

    static List<String> violations(Map<String, Object> schema, String output) throws Exception {
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(JSON.writeValueAsString(schema)).validate(output, InputFormat.JSON).stream()
                .map(Object::toString).toList();
    }

    @Test
    void jsonSchemaOutputValidatesGreedyAndSampled() throws Exception {
        OpenAIClient client = client();
        for (int seed = 0; seed < 6; seed++) {
            ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder().model("stories")
                    .addUserMessage("Tell me about a girl and her pet").responseFormat(schemaFormat(PERSON))
                    .maxCompletionTokens(400);
            params = seed == 0 ? params.temperature(0.0) : params.temperature(1.0).seed(seed);
            ChatCompletion chat = client.chat().completions().create(params.build());
            String content = chat.choices().getFirst().message().content().orElseThrow();
            assertThat(chat.choices().getFirst().finishReason().asString()).as(content).isEqualTo("stop");
            assertThat(violations(PERSON, content)).as(content).isEmpty();
            JsonNode parsed = JSON.readTree(content);
            assertThat(parsed.get("pet").get("kind").isTextual()).isTrue();
            System.out.println("json_schema, seed " + seed + ": " + content);
        }
    }

    @Test
    void theSameSchemaFailsTheValidatorWithoutTheConstraint() throws Exception {
        // The check that the validation above can fail: the unconstrained model does not write this JSON.
        ChatCompletion chat = client().chat().completions().create(ChatCompletionCreateParams.builder()
                .model("stories").addUserMessage("Tell me about a girl and her pet").maxCompletionTokens(60)
                .temperature(0.0).build());
        String content = chat.choices().getFirst().message().content().orElseThrow();
        boolean invalid;
        try {
            invalid = !violations(PERSON, content).isEmpty();
        } catch (RuntimeException notJson) {
            invalid = true;
        }
        assertThat(invalid).as(content).isTrue();
    }

    @Test
    void jsonObjectOutputIsAnObject() throws Exception {
        // A story model fills strings with story for as long as it may; a bias towards the quote and the
        // closing brace makes the values end within the context, while the mask still decides what is valid.
        Map<String, Object> bias = Map.of(String.valueOf(lastToken("\"")), 6, String.valueOf(lastToken("}")), 6);
        int complete = 0;
        for (int seed = 1; seed <= 4; seed++) {
            String content = given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON)
                    .body(Map.of("messages", List.of(Map.of("role", "user", "content", "Once upon a time")),
                            "temperature", 1.0, "seed", seed, "max_tokens", 400, "logit_bias", bias,
                            "response_format", Map.of("type", "json_object")))
                    .post("/v1/chat/completions").then().statusCode(200)
                    .body("choices[0].finish_reason", equalTo("stop")).extract().path("choices[0].message.content");
            System.out.println("json_object, seed " + seed + ": " + content);
            assertThat(JSON.readTree(content).isObject()).as(content).isTrue();
            complete++;
        }
        assertThat(complete).isEqualTo(4);
    }

    private static int lastToken(String text) {
        List<Integer> tokens = given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON)
                .body(Map.of("content", text)).post("/tokenize").then().statusCode(200).extract().path("tokens");
        return tokens.getLast();
    }

    @Test
    void maxTokensInsideTheJsonEndsWithLength() {
        given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON)
                .body(Map.of("messages", List.of(Map.of("role", "user", "content", "Hi")), "max_tokens", 3,
                        "temperature", 0, "response_format", Map.of("type", "json_schema", "json_schema",
                                Map.of("name", "person", "schema", PERSON))))
                .post("/v1/chat/completions").then().statusCode(200)
                .body("choices[0].finish_reason", equalTo("length"))
                .body("choices[0].message.content", org.hamcrest.Matchers.startsWith("{"))
                .body("usage.completion_tokens", equalTo(3));
    }

    @Test
    void streamingEqualsNonStreaming() {
        OpenAIClient client = client();
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("stories")
                .addUserMessage("A dog").responseFormat(schemaFormat(PERSON)).temperature(0.7).seed(9)
                .maxCompletionTokens(400).build();
        String whole = client.chat().completions().create(params).choices().getFirst().message().content().orElseThrow();
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
        }
        assertThat(streamed.toString()).isEqualTo(whole);
    }

    @Test
    void completionsTakeAResponseFormatToo() throws Exception {
        Map<String, Object> schema = Map.of("type", "array", "minItems", 2, "maxItems", 4,
                "items", Map.of("type", "number"));
        String text = given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON)
                .body(Map.of("prompt", "Numbers:", "max_tokens", 200, "temperature", 1, "seed", 3, "response_format",
                        Map.of("type", "json_schema", "json_schema", Map.of("name", "numbers", "schema", schema))))
                .post("/v1/completions").then().statusCode(200).body("choices[0].finish_reason", equalTo("stop"))
                .extract().path("choices[0].text");
        assertThat(violations(schema, text)).as(text).isEmpty();

        Map<String, Object> withRef = Map.of("type", "array", "minItems", 1, "maxItems", 3,
                "items", Map.of("$ref", "#/$defs/flag"), "$defs", Map.of("flag", Map.of("type", "boolean")));
        String flags = given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON)
                .body(Map.of("prompt", "Flags:", "max_tokens", 100, "temperature", 1, "seed", 4, "response_format",
                        Map.of("type", "json_schema", "json_schema", Map.of("name", "flags", "schema", withRef))))
                .post("/v1/completions").then().statusCode(200).body("choices[0].finish_reason", equalTo("stop"))
                .extract().path("choices[0].text");
        assertThat(violations(withRef, flags)).as(flags).isEmpty();
        assertThat(flags).containsAnyOf("true", "false").doesNotContain("\"");
    }

    /** A nested record as the SDK's typed structured outputs describe it, and read back into the record. */
    record Owner(String name, int age, Pet pet) {
    }

    record Pet(String kind, boolean tame) {
    }

    @Test
    void theSdksTypedStructuredOutputsReadTheAnswerBackIntoARecord() {
        // A story model's strings run long; a bias towards the closing quote ends them.
        ChatCompletionCreateParams.LogitBias bias = ChatCompletionCreateParams.LogitBias.builder()
                .putAdditionalProperty(String.valueOf(lastToken("\"")), JsonValue.from(4)).build();
        StructuredChatCompletionCreateParams<Owner> params = ChatCompletionCreateParams.builder().model("stories")
                .addUserMessage("A girl and her cat").maxCompletionTokens(400).temperature(0.0)
                .responseFormat(Owner.class).logitBias(bias).build();
        Owner owner = client().chat().completions().create(params).choices().getFirst().message().content()
                .orElseThrow();
        System.out.println("typed structured output: " + owner);
        assertThat(owner.name()).isNotNull();
        assertThat(owner.pet()).isNotNull();
        assertThat(owner.pet().kind()).isNotNull();
    }

    @Test
    void unsupportedKeywordsAndInvalidSchemasAreRefused() {
        Map<String, Object> pattern = Map.of("type", "object", "properties",
                Map.of("zip", Map.of("type", "string", "pattern", "^[0-9]{5}$"), "n", Map.of("$ref", "#/$defs/n")),
                "$defs", Map.of("n", Map.of("type", "number", "minimum", 0)));
        refused(pattern).body("error.message", containsString("pattern (at #/properties/zip)"))
                .body("error.message", containsString("minimum on a number (at #/$defs/n"));
        refused(Map.of("type", "integer", "minimum", 5, "maximum", 4)).body("error.message",
                containsString("no integer"));
        refused(Map.of("type", "object", "properties", Map.of("n", Map.of("$ref", "#/$defs/missing"))))
                .body("error.message", containsString("does not point into this schema"));
        refused(Map.of("$ref", "#/$defs/node", "$defs", Map.of("node", Map.of("type", "object", "properties",
                Map.of("next", Map.of("$ref", "#/$defs/node")))))).body("error.message", containsString("recursive"));
        refused(Map.of("type", "strange")).body("error.message", containsString("strange"));
        refused(Map.of("type", "object", "properties", Map.of("a", Map.of()), "required", List.of("b")))
                .body("error.message", containsString("\"b\""));
        refused(Map.of("type", "string", "minLength", 5, "maxLength", 2)).body("error.message",
                containsString("minLength"));
        given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON)
                .body(Map.of("messages", List.of(Map.of("role", "user", "content", "Hi")),
                        "response_format", Map.of("type", "yaml")))
                .post("/v1/chat/completions").then().statusCode(400).body("error.param", equalTo("response_format"));
    }

    private static io.restassured.response.ValidatableResponse refused(Map<String, Object> schema) {
        return given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON)
                .body(Map.of("messages", List.of(Map.of("role", "user", "content", "Hi")), "response_format",
                        Map.of("type", "json_schema", "json_schema", Map.of("name", "x", "schema", schema))))
                .post("/v1/chat/completions").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error")).body("error.param", equalTo("response_format"));
    }
}
