package dev.ignis.runtime;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.gguf.GgufTensorInfo;
import dev.ignis.engine.gguf.GgufWriter;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Qwen2-style vocabulary (byte-level BPE, BOS id {@code <|endoftext|>}, {@code tokenizer.ggml.add_bos_token =
 * false}) gets no BOS: not in {@code /tokenize} with {@code add_special}, not in completion or chat prompts. The
 * model is stories260K's weights under a 512-token byte-level vocabulary: token {@code b} is byte {@code b}.
 */
@QuarkusTest
@TestProfile(ByteLevelBpeVocabularyIT.QwenStyleVocabulary.class)
class ByteLevelBpeVocabularyIT {

    static final int END_OF_TEXT = 256;
    static final int IM_END = 258;

    public static class QwenStyleVocabulary implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Path stories = Path.of(System.getProperty("ignis.models.dir", "../../../shared/models"),
                    "stories260K", "stories260K.gguf");
            Path out = Path.of("target", "byte-level-bpe-it", "model.gguf").toAbsolutePath();
            try {
                Files.createDirectories(out.getParent());
                write(stories, out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("ignis.runtime.model", out.toString(), "ignis.runtime.model-name", "bpe",
                    "ignis.runtime.chat-template", "{% for m in messages %}{{ m.content }}{% endfor %}");
        }

        /** stories260K's weights and architecture, with a byte-level BPE vocabulary in place of its own. */
        private static void write(Path stories, Path out) throws IOException {
            try (GgufFile file = GgufFile.open(stories)) {
                GgufWriter w = new GgufWriter();
                file.header().metadata().forEach((key, value) -> {
                    if (!key.startsWith("tokenizer.") && !key.equals("general.alignment")) {
                        w.put(key, value instanceof Long l ? (Object) (int) (long) l
                                : value instanceof Double d ? (Object) (float) (double) d : value);
                    }
                });
                List<String> tokens = new ArrayList<>();
                List<Integer> types = new ArrayList<>();
                int extra = 0;
                for (int b = 0; b < 256; b++) { // GPT-2's bytes-to-unicode table
                    boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
                    tokens.add(String.valueOf(printable ? (char) b : (char) (256 + extra++)));
                    types.add(1);
                }
                for (String special : List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>")) {
                    tokens.add(special);
                    types.add(3);
                }
                while (tokens.size() < 512) {
                    tokens.add("<unused" + tokens.size() + ">");
                    types.add(1);
                }
                w.put("tokenizer.ggml.model", "gpt2").put("tokenizer.ggml.pre", "qwen2")
                        .put("tokenizer.ggml.tokens", tokens).put("tokenizer.ggml.token_type", types)
                        .put("tokenizer.ggml.merges", List.<String>of())
                        .put("tokenizer.ggml.bos_token_id", END_OF_TEXT).put("tokenizer.ggml.eos_token_id", IM_END)
                        .put("tokenizer.ggml.add_bos_token", false);
                for (GgufTensorInfo t : file.header().tensors()) {
                    MemorySegment data = file.tensorData(t);
                    w.tensor(t.name(), t.shape(), t.type(), (row, buffer) -> {
                        long bytes = buffer.remaining();
                        MemorySegment.copy(data, row * bytes, MemorySegment.ofBuffer(buffer), 0, bytes);
                    });
                }
                w.write(out);
            }
        }
    }

    @BeforeEach
    void modelIsReady() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                given().get("/health/ready").then().statusCode(200));
    }

    private static RequestSpecification api() {
        return given().header("Authorization", "Bearer " + OpenAiApiIT.KEY).contentType(ContentType.JSON);
    }

    @Test
    void tokenizeAddsNoBos() {
        api().body(Map.of("content", "Hello", "add_special", true)).post("/tokenize").then().statusCode(200)
                .body("tokens", equalTo(List.of(72, 101, 108, 108, 111)));
        api().body(Map.of("content", "<|endoftext|>Hi", "add_special", true, "parse_special", true))
                .post("/tokenize").then().statusCode(200).body("tokens", equalTo(List.of(END_OF_TEXT, 72, 105)));
    }

    @Test
    void aCompletionPromptIsItsTextTokensOnly() {
        api().body(Map.of("prompt", "Hello", "max_tokens", 1, "temperature", 0)).post("/v1/completions").then()
                .statusCode(200).body("usage.prompt_tokens", equalTo(5));
        api().body(Map.of("prompt", List.of("Hello"), "max_tokens", 1, "temperature", 0)).post("/v1/completions")
                .then().statusCode(200).body("usage.prompt_tokens", equalTo(5));
    }

    @Test
    void tokenIdsAreTheInputAsGiven() {
        api().body(Map.of("prompt", List.of(72, 105), "max_tokens", 1, "temperature", 0)).post("/v1/completions")
                .then().statusCode(200).body("usage.prompt_tokens", equalTo(2));
        api().body(Map.of("prompt", List.of(END_OF_TEXT, 72, 105), "max_tokens", 1, "temperature", 0))
                .post("/v1/completions").then().statusCode(200).body("usage.prompt_tokens", equalTo(3));
    }

    @Test
    void aChatPromptIsTheRenderedTemplateOnly() {
        api().body(Map.of("messages", List.of(Map.of("role", "user", "content", "Hi")), "max_tokens", 1,
                "temperature", 0)).post("/v1/chat/completions").then().statusCode(200)
                .body("usage.prompt_tokens", equalTo(2));
    }

    @Test
    void anEmptyPromptHasNoTokensToStartFrom() {
        api().body(Map.of("prompt", "", "max_tokens", 1)).post("/v1/completions").then().statusCode(400)
                .body("error.param", equalTo("prompt")).body("error.message", equalTo("the prompt has no tokens"));
    }
}
