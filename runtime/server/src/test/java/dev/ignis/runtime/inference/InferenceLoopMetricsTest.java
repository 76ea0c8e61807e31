package dev.ignis.runtime.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.model.ModelLoader;
import dev.ignis.engine.sampling.SamplingParams;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The decoder's gauges while a sequence runs: slots busy and KV-cache positions held. */
class InferenceLoopMetricsTest {

    @Test
    void kvCacheGaugesCountThePositionsOfRunningSequences() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        CountDownLatch firstToken = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> finish = new AtomicReference<>();
        GenerationListener listener = new GenerationListener() {
            @Override
            public void text(String delta, List<TokenOutput> tokens) {
                // Holds the inference thread after the first token, so the gauges can be read mid-sequence.
                firstToken.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
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
        try (GgufFile file = GgufFile.open(TestModels.stories()); ModelLoader.LoadedModel loaded = ModelLoader.load(file, null, 1);
             InferenceLoop loop = new InferenceLoop(loaded, 3, 64, 4, 8, registry)) {
            List<Integer> prompt = new java.util.ArrayList<>(List.of(loaded.tokenizer().bos()));
            prompt.addAll(loaded.tokenizer().encode("Once upon a time"));
            // EOS is ruled out so that a first token comes; logprobs makes it reported even when it is half a character.
            SamplingParams greedy = new SamplingParams(0, 0, 1, 0, 1, 0, 1, 0, 0, 64,
                    Map.of(loaded.tokenizer().eos(), Float.NEGATIVE_INFINITY), 1);
            assertThat(registry.get("ignis.slots").gauge().value()).isEqualTo(3);
            assertThat(registry.get("ignis.kv.cache.capacity.tokens").gauge().value()).isEqualTo(3 * 64);
            assertThat(registry.get("ignis.kv.cache.tokens").gauge().value()).isZero();

            loop.submit(new GenerationRequest(prompt, greedy, 4, List.of(), 1, null, true, listener));
            assertThat(firstToken.await(30, TimeUnit.SECONDS)).isTrue();
            // The first token is sampled from the prompt's last position: the prompt is all the cache holds.
            assertThat(registry.get("ignis.kv.cache.tokens").gauge().value()).isEqualTo(prompt.size());
            assertThat(registry.get("ignis.kv.cache.usage").gauge().value()).isEqualTo(prompt.size() / (3.0 * 64));
            assertThat(registry.get("ignis.requests.active").gauge().value()).isEqualTo(1);

            release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> finish.get() != null);
            assertThat(finish.get()).isEqualTo("length");
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    registry.get("ignis.kv.cache.tokens").gauge().value() == 0);
            assertThat(registry.get("ignis.kv.cache.usage").gauge().value()).isZero();
        }
    }
}
