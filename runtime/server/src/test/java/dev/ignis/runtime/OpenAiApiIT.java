package dev.ignis.runtime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible API on the real stories260K model, through RestAssured and the official OpenAI SDK. */
@QuarkusTest
class OpenAiApiIT {

    static final String KEY = "test-endpoint-key-1";

    @TestHTTPResource("/")
    URL base;

    static {
        io.restassured.RestAssured.enableLoggingOfRequestAndResponseIfValidationFails();
    }

    @BeforeEach
    void modelIsReady() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                given().get("/health/ready").then().statusCode(200).body("state", org.hamcrest.Matchers.equalTo("ready")));
    }

    private static RequestSpecification api() {
        return given().header("Authorization", "Bearer " + KEY).contentType(ContentType.JSON);
    }

    private OpenAIClient client() {
        return OpenAIOkHttpClient.builder().baseUrl(base + "v1").apiKey(KEY).maxRetries(0).build();
    }

    @Test
    void livenessAnswersWithoutAKey() {
        given().get("/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void listsTheServedModel() {
        api().get("/v1/models").then().statusCode(200).body("data[0].id", equalTo("stories"));
        assertThat(client().models().list().data()).extracting(m -> m.id()).containsExactly("stories");
    }

    @Test
    void greedyCompletionContinuesLikeTheEngine() {
        api().body(Map.of("model", "stories", "prompt", "Zoo", "max_tokens", 20, "temperature", 0))
                .post("/v1/completions").then().statusCode(200)
                .body("object", equalTo("text_completion"))
                .body("choices[0].text", startsWith(" was a little girl named Lily"))
                .body("choices[0].finish_reason", equalTo("length"))
                .body("usage.prompt_tokens", equalTo(4))
                .body("usage.completion_tokens", equalTo(20))
                .body("usage.total_tokens", equalTo(24));
    }

    @Test
    void stopStringsEndTheTextBeforeThem() {
        api().body(Map.of("prompt", "Zoo", "max_tokens", 40, "temperature", 0, "stop", List.of("Lily")))
                .post("/v1/completions").then().statusCode(200)
                .body("choices[0].text", equalTo(" was a little girl named "))
                .body("choices[0].finish_reason", equalTo("stop"));
    }

    @Test
    void streamingEqualsNonStreamingThroughTheOpenAiSdk() {
        OpenAIClient client = client();
        CompletionCreateParams params = CompletionCreateParams.builder().model("stories").prompt("Once upon a time")
                .maxTokens(48).temperature(0.0).build();
        Completion whole = client.completions().create(params);
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(c -> c.choices().forEach(choice -> streamed.append(choice.text())));
        }
        assertThat(whole.choices().getFirst().text()).isNotBlank().isEqualTo(streamed.toString());
        assertThat(whole.usage().orElseThrow().completionTokens()).isEqualTo(48);
    }

    @Test
    void chatCompletionUsesTheChatTemplate() {
        ChatCompletion chat = client().chat().completions().create(ChatCompletionCreateParams.builder()
                .model("stories").addUserMessage("Tell me a story").maxCompletionTokens(24).temperature(0.0).build());
        assertThat(chat.choices().getFirst().message().content()).isPresent();
        assertThat(chat.choices().getFirst().finishReason().asString()).isIn("length", "stop");
        assertThat(chat.usage().orElseThrow().promptTokens()).isGreaterThan(5);
    }

    @Test
    void sameSeedSameTextDifferentSeedDifferentText() {
        Map<String, Object> body = Map.of("prompt", "Once upon a time", "max_tokens", 40, "temperature", 1.0,
                "seed", 42);
        String a = api().body(body).post("/v1/completions").then().statusCode(200).extract().path("choices[0].text");
        String b = api().body(body).post("/v1/completions").then().statusCode(200).extract().path("choices[0].text");
        String c = api().body(Map.of("prompt", "Once upon a time", "max_tokens", 40, "temperature", 1.0, "seed", 7))
                .post("/v1/completions").then().statusCode(200).extract().path("choices[0].text");
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void requestsBatchedTogetherGiveWhatEachGivesAlone() throws Exception {
        List<Map<String, Object>> bodies = List.of(
                Map.of("prompt", "Once upon a time", "max_tokens", 60, "temperature", 0),
                Map.of("prompt", "Zoo", "max_tokens", 50, "temperature", 0.9, "seed", 5),
                Map.of("prompt", "The little dog", "max_tokens", 70, "temperature", 0));
        List<String> alone = new ArrayList<>();
        for (Map<String, Object> body : bodies) {
            alone.add(api().body(body).post("/v1/completions").then().statusCode(200).extract().path("choices[0].text"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(bodies.size());
        try {
            List<Future<String>> together = new ArrayList<>();
            for (Map<String, Object> body : bodies) {
                together.add(pool.submit(() -> api().body(body).post("/v1/completions").then().statusCode(200)
                        .extract().<String>path("choices[0].text")));
            }
            for (int i = 0; i < bodies.size(); i++) {
                assertThat(together.get(i).get()).as("request %d", i).isEqualTo(alone.get(i));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void badRequestsGetOpenAiErrors() {
        api().body(Map.of("prompt", "Zoo", "max_tokens", 100_000)).post("/v1/completions").then().statusCode(400)
                .body("error.code", equalTo("context_length_exceeded"));
        api().body(Map.of("prompt", "Zoo", "temperature", 5)).post("/v1/completions").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error")).body("error.param", equalTo("temperature"));
        api().body(Map.of("prompt", "Zoo", "n", 3)).post("/v1/completions").then().statusCode(400)
                .body("error.param", equalTo("n")).body("error.message", org.hamcrest.Matchers.containsString("at most 2"));
        api().body(Map.of("prompt", "Zoo", "n", 0)).post("/v1/completions").then().statusCode(400)
                .body("error.param", equalTo("n"));
        api().body(Map.of("prompt", "Zoo", "suffix", "end")).post("/v1/completions").then().statusCode(400)
                .body("error.param", equalTo("suffix"));
        api().body(Map.of("model", "gpt-4", "prompt", "Zoo")).post("/v1/completions").then().statusCode(404)
                .body("error.code", equalTo("model_not_found"));
        api().body("{\"prompt\": ").post("/v1/completions").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"));
        api().body(Map.of("max_tokens", 3)).post("/v1/completions").then().statusCode(400)
                .body("error.param", equalTo("prompt"));
        given().header("Authorization", "Bearer " + KEY).contentType(ContentType.TEXT).body("Zoo")
                .post("/v1/completions").then().statusCode(415);
        api().body(Map.of("messages", List.of(Map.of("role", "wizard", "content", "hi"))))
                .post("/v1/chat/completions").then().statusCode(400).body("error.param", equalTo("messages[0].role"));
        api().get("/v1/nothing").then().statusCode(404).body("error.code", equalTo("not_found"));
    }

    @Test
    void embeddingsFromATextModelAreRefused() {
        api().body(Map.of("input", "Zoo")).post("/v1/embeddings").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error")).body("error.code", equalTo("model_not_supported"))
                .body("error.param", equalTo("model"));
        given().contentType(ContentType.JSON).body(Map.of("input", "Zoo")).post("/v1/embeddings").then()
                .statusCode(401);
    }

    @Test
    void tokenizeAndDetokenizeRoundTrip() {
        List<Integer> tokens = api().body(Map.of("content", "Once upon a time", "add_special", true))
                .post("/tokenize").then().statusCode(200).extract().path("tokens");
        assertThat(tokens).startsWith(1).hasSizeGreaterThan(2);
        api().body(Map.of("tokens", tokens.subList(1, tokens.size()))).post("/detokenize").then().statusCode(200)
                .body("content", equalTo(" Once upon a time"));
        api().body(Map.of("tokens", List.of(-1))).post("/detokenize").then().statusCode(400)
                .body("error.param", equalTo("tokens"));
        given().contentType(ContentType.JSON).body(Map.of("content", "x")).post("/tokenize").then().statusCode(401);
    }

    @Test
    void metricsExportTheLoadSignalAndLatencies() {
        api().body(Map.of("prompt", "Zoo", "max_tokens", 8, "temperature", 0)).post("/v1/completions").then()
                .statusCode(200);
        String metrics = given().get("/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("ignis_requests_active", "ignis_requests_waiting", "ignis_tokens_generated_total",
                "ignis_time_to_first_token_seconds", "ignis_inter_token_latency_seconds");
        // Idle after the request: the load gauge (what the autoscaler reads) is a number, and zero.
        assertThat(metrics.lines().filter(l -> l.startsWith("ignis_load ")).findFirst())
                .hasValueSatisfying(l -> assertThat(Double.parseDouble(l.substring("ignis_load ".length())))
                        .isZero());
    }

    @Test
    void keysAreRequiredAndChecked() {
        given().contentType(ContentType.JSON).body(Map.of("prompt", "Zoo")).post("/v1/completions").then()
                .statusCode(401).body("error.code", equalTo("invalid_api_key"));
        given().header("Authorization", "Bearer wrong").get("/v1/models").then().statusCode(401);
        given().header("Authorization", "Bearer test-endpoint-key-2").get("/v1/models").then().statusCode(200);
    }

    @Test
    void addressesOutsideTheAllowedListAreRefused() throws Exception {
        assertThat(rawGet(InetAddress.getByName("127.0.0.1"))).startsWith("HTTP/1.1 200");
        assertThat(rawGet(InetAddress.getByName("127.0.0.2"))).startsWith("HTTP/1.1 403");
    }

    @Test
    void aFullQueueAnswers429WithRetryAfter() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<io.restassured.response.Response>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                calls.add(pool.submit(() -> api().body(Map.of("prompt", "Once upon a time", "max_tokens", 400,
                        "temperature", 1.0)).post("/v1/completions")));
            }
            int ok = 0;
            int busy = 0;
            for (Future<io.restassured.response.Response> call : calls) {
                io.restassured.response.Response r = call.get();
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertThat(r.statusCode()).isEqualTo(429);
                    assertThat(r.header("Retry-After")).isNotNull();
                    assertThat(r.jsonPath().getString("error.type")).isEqualTo("rate_limit_error");
                    busy++;
                }
            }
            assertThat(ok).isGreaterThanOrEqualTo(6);
            assertThat(busy).isPositive();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClientThatDisconnectsFreesItsSlot() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (Socket socket = new Socket("127.0.0.1", base.getPort())) {
                String body = "{\"prompt\":\"Once upon a time\",\"max_tokens\":450,\"stream\":true}";
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                assertThat(in.readLine()).startsWith("HTTP/1.1 200");
            }
        }
        // Both slots would be busy for seconds if the abandoned streams kept running.
        long start = System.nanoTime();
        api().body(Map.of("prompt", "Zoo", "max_tokens", 5)).post("/v1/completions").then().statusCode(200);
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(10);
    }

    private String rawGet(InetAddress local) throws Exception {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(local, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", base.getPort()), 2000);
            socket.getOutputStream().write(("GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
    }
}
