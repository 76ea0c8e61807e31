package dev.ignis.runtime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/embeddings} on the real all-MiniLM-L6-v2, through the official OpenAI SDK and RestAssured:
 * values against onnxruntime's golden.json, both encodings, every input shape, and the error cases.
 */
@QuarkusTest
@TestProfile(EmbeddingModelProfile.class)
class EmbeddingsApiIT {

    static final String KEY = OpenAiApiIT.KEY;
    static final double TOLERANCE = 1e-5;

    record Golden(String text, List<Long> ids, float[] embedding) {
    }

    static List<Golden> golden;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void readGolden() throws Exception {
        Path file = Path.of(System.getProperty("ignis.models.dir", "../../../shared/models"),
                "embeddings/all-MiniLM-L6-v2/golden.json");
        assertThat(file).as("shared model file").isRegularFile();
        golden = new ArrayList<>();
        for (JsonNode c : new ObjectMapper().readTree(Files.readString(file))) {
            List<Long> ids = new ArrayList<>();
            c.get("ids").forEach(id -> ids.add(id.asLong()));
            float[] e = new float[c.get("embedding").size()];
            for (int i = 0; i < e.length; i++) {
                e[i] = (float) c.get("embedding").get(i).asDouble();
            }
            golden.add(new Golden(c.get("text").asText(), ids, e));
        }
        assertThat(golden).hasSize(10);
    }

    @BeforeEach
    void modelIsReady() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                given().get("/health/ready").then().statusCode(200));
    }

    private static RequestSpecification api() {
        return given().header("Authorization", "Bearer " + KEY).contentType(ContentType.JSON);
    }

    private OpenAIClient client() {
        return OpenAIOkHttpClient.builder().baseUrl(base + "v1").apiKey(KEY).maxRetries(0).build();
    }

    private static void assertClose(List<Float> actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual.get(i)).as("%s [%d]", what, i)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(TOLERANCE));
        }
    }

    @Test
    void sdkEmbeddingsOfTheGoldenSentencesMatchOnnxruntime() {
        List<String> texts = golden.stream().map(Golden::text).toList();
        CreateEmbeddingResponse response = client().embeddings().create(EmbeddingCreateParams.builder()
                .model(EmbeddingModelProfile.MODEL).inputOfArrayOfStrings(texts).user("it-user").build());
        assertThat(response.model()).isEqualTo(EmbeddingModelProfile.MODEL);
        assertThat(response.data()).hasSize(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            assertThat(response.data().get(i).index()).isEqualTo(i);
            assertClose(response.data().get(i).embedding(), golden.get(i).embedding(), texts.get(i));
        }
        long tokens = golden.stream().mapToLong(g -> g.ids().size()).sum();
        assertThat(response.usage().promptTokens()).isEqualTo(tokens);
        assertThat(response.usage().totalTokens()).isEqualTo(tokens);
    }

    @Test
    void singleStringAndTokenInputsGiveTheSameEmbedding() {
        Golden g = golden.get(1);
        OpenAIClient client = client();
        CreateEmbeddingResponse text = client.embeddings().create(EmbeddingCreateParams.builder()
                .model(EmbeddingModelProfile.MODEL).input(g.text()).build());
        assertClose(text.data().getFirst().embedding(), g.embedding(), "string");
        // With [CLS]/[SEP] as the tokenizer gives them, and without: the runtime adds what is missing.
        CreateEmbeddingResponse tokens = client.embeddings().create(EmbeddingCreateParams.builder()
                .model(EmbeddingModelProfile.MODEL).inputOfArrayOfTokens(g.ids()).build());
        assertClose(tokens.data().getFirst().embedding(), g.embedding(), "tokens");
        CreateEmbeddingResponse bare = client.embeddings().create(EmbeddingCreateParams.builder()
                .model(EmbeddingModelProfile.MODEL).inputOfArrayOfTokenArrays(List.of(
                        g.ids().subList(1, g.ids().size() - 1), golden.get(2).ids())).build());
        assertClose(bare.data().get(0).embedding(), g.embedding(), "bare tokens");
        assertClose(bare.data().get(1).embedding(), golden.get(2).embedding(), "token arrays");
        assertThat(bare.usage().promptTokens()).isEqualTo(g.ids().size() + golden.get(2).ids().size());
    }

    @Test
    void base64IsLittleEndianFloat32() {
        Golden g = golden.getFirst();
        String encoded = api().body(Map.of("input", g.text(), "encoding_format", "base64")).post("/v1/embeddings")
                .then().statusCode(200).body("object", equalTo("list")).body("data[0].object", equalTo("embedding"))
                .extract().path("data[0].embedding");
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(encoded)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.remaining()).isEqualTo(g.embedding().length * 4);
        List<Float> values = new ArrayList<>();
        while (bytes.hasRemaining()) {
            values.add(bytes.getFloat());
        }
        assertClose(values, g.embedding(), "base64");
        // The SDK reads base64 too, and gives the same floats as the float encoding.
        CreateEmbeddingResponse sdk = client().embeddings().create(EmbeddingCreateParams.builder()
                .model(EmbeddingModelProfile.MODEL).input(g.text())
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build());
        assertThat(sdk.data().getFirst().embeddingValue().isBase64()).isTrue();
        assertThat(sdk.data().getFirst().embedding()).isEqualTo(values);
        List<Float> floats = api().body(Map.of("input", g.text())).post("/v1/embeddings").then().statusCode(200)
                .extract().jsonPath().getList("data[0].embedding", Float.class);
        assertThat(floats).isEqualTo(values);
    }

    @Test
    void dimensionsMustBeTheModelsWidth() {
        api().body(Map.of("input", "x", "dimensions", 384)).post("/v1/embeddings").then().statusCode(200);
        assertThatThrownBy(() -> client().embeddings().create(EmbeddingCreateParams.builder()
                .model(EmbeddingModelProfile.MODEL).input("x").dimensions(128).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.param()).contains("dimensions");
                });
    }

    @Test
    void badInputsGetOpenAiErrorsNamingTheField() {
        api().body(Map.of("input", "")).post("/v1/embeddings").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error")).body("error.param", equalTo("input"));
        api().body(Map.of("input", List.of())).post("/v1/embeddings").then().statusCode(400)
                .body("error.param", equalTo("input"));
        api().body(Map.of("model", EmbeddingModelProfile.MODEL)).post("/v1/embeddings").then().statusCode(400)
                .body("error.param", equalTo("input"));
        api().body(Map.of("input", 42)).post("/v1/embeddings").then().statusCode(400)
                .body("error.param", equalTo("input"));
        api().body(Map.of("input", List.of("a", 5))).post("/v1/embeddings").then().statusCode(400)
                .body("error.param", equalTo("input")).body("error.message", containsString("input[1]"));
        api().body(Map.of("input", List.of(101, 99999))).post("/v1/embeddings").then().statusCode(400)
                .body("error.param", equalTo("input"));
        api().body(Map.of("input", List.of(List.of(101), List.of()))).post("/v1/embeddings").then().statusCode(400)
                .body("error.param", equalTo("input"));
        api().body(Map.of("input", java.util.Collections.nCopies(2049, "a"))).post("/v1/embeddings").then()
                .statusCode(400).body("error.param", equalTo("input")).body("error.message", containsString("2048"));
        api().body(Map.of("input", "x", "encoding_format", "int8")).post("/v1/embeddings").then().statusCode(400)
                .body("error.param", equalTo("encoding_format"));
        api().body(Map.of("input", "x", "user", 7)).post("/v1/embeddings").then().statusCode(400)
                .body("error.param", equalTo("user"));
        api().body(Map.of("input", "x", "model", "text-embedding-3-small")).post("/v1/embeddings").then()
                .statusCode(404).body("error.code", equalTo("model_not_found"));
    }

    @Test
    void inputsLongerThanTheContextAreRefused() {
        // 511 words + [CLS] + [SEP] = 513 tokens, one over the context of 512.
        api().body(Map.of("input", List.of("short", "hello ".repeat(511)))).post("/v1/embeddings").then()
                .statusCode(400).body("error.code", equalTo("context_length_exceeded"))
                .body("error.param", equalTo("input")).body("error.message", containsString("input 1 has 513 tokens"));
        api().body(Map.of("input", "hello ".repeat(510))).post("/v1/embeddings").then().statusCode(200)
                .body("usage.prompt_tokens", equalTo(512));
        assertThatThrownBy(() -> client().embeddings().create(EmbeddingCreateParams.builder()
                .model(EmbeddingModelProfile.MODEL).input("hello ".repeat(600)).build()))
                .isInstanceOfSatisfying(BadRequestException.class,
                        e -> assertThat(e.code()).contains("context_length_exceeded"));
    }

    @Test
    void textRoutesRefuseAnEmbeddingModel() {
        api().body(Map.of("prompt", "Zoo")).post("/v1/completions").then().statusCode(400)
                .body("error.code", equalTo("model_not_supported")).body("error.param", equalTo("model"))
                .body("error.message", containsString("/v1/embeddings"));
        api().body(Map.of("messages", List.of(Map.of("role", "user", "content", "hi")))).post("/v1/chat/completions")
                .then().statusCode(400).body("error.code", equalTo("model_not_supported"));
        api().get("/v1/models").then().statusCode(200).body("data[0].id", equalTo(EmbeddingModelProfile.MODEL));
        api().body(Map.of("content", "Hello world")).post("/tokenize").then().statusCode(200)
                .body("tokens", equalTo(List.of(7592, 2088)));
    }

    @Test
    void theEndpointGuardAndMetricsCoverEmbeddings() throws Exception {
        given().contentType(ContentType.JSON).body(Map.of("input", "x")).post("/v1/embeddings").then()
                .statusCode(401).body("error.code", equalTo("invalid_api_key"));
        given().header("Authorization", "Bearer wrong").contentType(ContentType.JSON).body(Map.of("input", "x"))
                .post("/v1/embeddings").then().statusCode(401);
        api().body(Map.of("input", List.of("one", "two"))).post("/v1/embeddings").then().statusCode(200);
        String metrics = given().get("/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("ignis_embeddings_total", "ignis_embedding_duration_seconds",
                "ignis_tokens_prompt_total", "ignis_requests_active", "ignis_requests_waiting");
        assertThat(rawPost(InetAddress.getByName("127.0.0.2"))).startsWith("HTTP/1.1 403");
        assertThat(rawPost(InetAddress.getByName("127.0.0.1"))).startsWith("HTTP/1.1 200");
    }

    private String rawPost(InetAddress local) throws Exception {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(local, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", base.getPort()), 2000);
            String body = "{\"input\":\"x\"}";
            socket.getOutputStream().write(("POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
    }
}
