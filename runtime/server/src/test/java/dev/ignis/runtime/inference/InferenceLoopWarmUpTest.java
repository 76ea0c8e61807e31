package dev.ignis.runtime.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.model.ModelLoader;
import dev.ignis.engine.sampling.SamplingParams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The start-up warm-up ({@link InferenceLoop#warmUp}) runs the model at the widths a step takes, on caches of
 * its own: what the loop generates afterwards is what it generated before.
 */
class InferenceLoopWarmUpTest {

    private static final int MAX_TOKENS = 12;

    @Test
    void warmUpRunsOnScratchCachesAndLeavesTheOutputAsItWas() throws Exception {
        try (GgufFile file = GgufFile.open(TestModels.stories()); ModelLoader.LoadedModel loaded = ModelLoader.load(file, null, 2)) {
            SamplingParams greedy = new SamplingParams(0, 0, 1, 0, 1, 0, 1, 0, 0, 64,
                    Map.of(loaded.tokenizer().eos(), Float.NEGATIVE_INFINITY), 1);
            List<Integer> prompt = new ArrayList<>(List.of(loaded.tokenizer().bos()));
            prompt.addAll(loaded.tokenizer().encode("Once upon a time there was a little girl"));
            String before = generate(loaded, prompt, greedy);

            assertThat(InferenceLoop.warmUp(loaded.model(), 3, 4, 0)).isZero();
            assertThat(InferenceLoop.warmUp(loaded.model(), 3, 4, 5)).isPositive();
            assertThat(InferenceLoop.warmUp(loaded.model(), 1, 32, 2)).isPositive();
            assertThat(InferenceLoop.warmUp(loaded.model(), 16, 8, 3)).isPositive(); // wide enough for every tile

            assertThat(generate(loaded, prompt, greedy)).isEqualTo(before).isNotEmpty();
            assertThatThrownBy(() -> InferenceLoop.warmUp(loaded.model(), 3, 4, -1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 0");
        }
    }

    private static String generate(ModelLoader.LoadedModel loaded, List<Integer> prompt, SamplingParams sampling) {
        StringBuilder text = new StringBuilder();
        AtomicReference<String> finish = new AtomicReference<>();
        GenerationListener listener = new GenerationListener() {
            @Override
            public void text(String delta, List<TokenOutput> tokens) {
                text.append(delta);
            }

            @Override
            public void done(String finishReason, int promptTokens, int cachedTokens, int completionTokens) {
                finish.set(finishReason);
            }

            @Override
            public void failed(String message) {
                finish.set("failed: " + message);
            }
        };
        try (InferenceLoop loop = new InferenceLoop(loaded, 2, 64, 4, 8, new SimpleMeterRegistry())) {
            loop.submit(new GenerationRequest(prompt, sampling, MAX_TOKENS, List.of(), 1, null, false, listener));
            await().atMost(Duration.ofSeconds(30)).until(() -> finish.get() != null);
        }
        assertThat(finish.get()).isEqualTo("length");
        return text.toString();
    }
}
