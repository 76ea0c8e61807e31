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
 * The start-up warm-up runs the model at the widths a step takes, in the slots' own caches before the loop
 * takes requests: what the loop generates afterwards is what a loop without it generates, whatever the slot
 * a request lands in, and a context too small for it just shortens or skips it.
 */
class InferenceLoopWarmUpTest {

    private static final int MAX_TOKENS = 12;

    @Test
    void aWarmedUpLoopGeneratesWhatAColdOneDoes() throws Exception {
        try (GgufFile file = GgufFile.open(TestModels.stories()); ModelLoader.LoadedModel loaded = ModelLoader.load(file, null, 2)) {
            SamplingParams greedy = new SamplingParams(0, 0, 1, 0, 1, 0, 1, 0, 0, 64,
                    Map.of(loaded.tokenizer().eos(), Float.NEGATIVE_INFINITY), 1);
            List<Integer> prompt = new ArrayList<>(List.of(loaded.tokenizer().bos()));
            prompt.addAll(loaded.tokenizer().encode("Once upon a time there was a little girl"));
            String cold = generate(loaded, 2, 64, 0, prompt, greedy);
            assertThat(cold).isNotEmpty();
            assertThat(generate(loaded, 2, 64, 5, prompt, greedy)).isEqualTo(cold);
            // Sixteen slots: twelve sequences at once in the warm-up, every tile; the request lands in slot 0,
            // whose cache the warm-up wrote most.
            assertThat(generate(loaded, 16, 128, 8, prompt, greedy)).isEqualTo(cold);
            // A context too small for the prompt pass and the steps: fewer steps, then none.
            assertThat(generate(loaded, 2, 40, 30, prompt, greedy)).isEqualTo(cold);
            try (InferenceLoop tiny = new InferenceLoop(loaded, 1, 2, 4, 8, 8, new SimpleMeterRegistry())) {
                assertThat(tiny.warmupSeconds()).isZero();
            }
            assertThatThrownBy(() -> new InferenceLoop(loaded, 1, 64, 4, 8, -1, new SimpleMeterRegistry()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 0");
        }
    }

    private static String generate(ModelLoader.LoadedModel loaded, int slots, int context, int warmupSteps,
                                   List<Integer> prompt, SamplingParams sampling) {
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
        try (InferenceLoop loop = new InferenceLoop(loaded, slots, context, 4, 8, warmupSteps, new SimpleMeterRegistry())) {
            if (warmupSteps == 0) {
                assertThat(loop.warmupSeconds()).isZero();
            } else {
                assertThat(loop.warmupSeconds()).isPositive();
            }
            loop.submit(new GenerationRequest(prompt, sampling, MAX_TOKENS, List.of(), 1, null, false, listener));
            await().atMost(Duration.ofSeconds(30)).until(() -> finish.get() != null);
        }
        assertThat(finish.get()).isEqualTo("length");
        return text.toString();
    }
}
