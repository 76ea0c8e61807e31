package dev.ignis.runtime.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.model.ModelLoader;
import dev.ignis.engine.sampling.SamplingParams;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The prompt budget of a step: at most {@code prefillChunk} prompt rows per forward pass over all slots, the
 * earliest request's first, and the same greedy text as each request computed alone.
 */
class InferenceLoopPrefillTest {

    private static final int SLOTS = 3;
    private static final int CHUNK = 4;
    private static final int MAX_TOKENS = 6;

    /**
     * Records a sequence's text, and how many forward passes had run when its first token came (logprobs are
     * on, so every token is reported, even one that is half a character).
     */
    private static final class Recorder implements GenerationListener {
        private final MeterRegistry registry;
        final StringBuilder text = new StringBuilder();
        volatile long passesAtFirstText = -1;
        volatile String finish;

        Recorder(MeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        public void text(String delta, List<TokenOutput> tokens) {
            if (passesAtFirstText < 0) {
                passesAtFirstText = registry.get("ignis.batch.rows").summary().count();
            }
            text.append(delta);
        }

        @Override
        public void done(String finishReason, int promptTokens, int cachedTokens, int completionTokens) {
            finish = finishReason;
        }

        @Override
        public void failed(String message) {
            finish = "failed: " + message;
        }
    }

    @Test
    void promptsShareOneChunkPerStepEarliestRequestFirst() throws Exception {
        try (GgufFile file = GgufFile.open(TestModels.stories()); ModelLoader.LoadedModel loaded = ModelLoader.load(file, null, 1)) {
            // EOS is ruled out so that every request decodes MAX_TOKENS tokens.
            SamplingParams greedy = new SamplingParams(0, 0, 1, 0, 1, 0, 1, 0, 0, 64,
                    Map.of(loaded.tokenizer().eos(), Float.NEGATIVE_INFINITY), 1);
            List<List<Integer>> prompts = new ArrayList<>();
            for (String text : List.of("Once upon a time there was a little girl", "The cat sat on the warm mat by the",
                    "Tom and his dog went to the park to play")) {
                List<Integer> prompt = new ArrayList<>(List.of(loaded.tokenizer().bos()));
                prompt.addAll(loaded.tokenizer().encode(text));
                assertThat(prompt).hasSizeGreaterThan(2 * CHUNK); // several steps of prompt each
                prompts.add(prompt);
            }

            Map<Integer, String> alone = new ConcurrentHashMap<>();
            for (int i = 0; i < prompts.size(); i++) {
                MeterRegistry registry = new SimpleMeterRegistry();
                try (InferenceLoop loop = new InferenceLoop(loaded, 1, 64, 4, CHUNK, registry)) {
                    Recorder r = new Recorder(registry);
                    loop.submit(new GenerationRequest(prompts.get(i), greedy, MAX_TOKENS, List.of(), 1, null, false, r));
                    await().atMost(Duration.ofSeconds(30)).until(() -> r.finish != null);
                    assertThat(r.finish).isEqualTo("length");
                    alone.put(i, r.text.toString());
                }
            }

            MeterRegistry registry = new SimpleMeterRegistry();
            List<Recorder> together = new ArrayList<>();
            try (InferenceLoop loop = new InferenceLoop(loaded, SLOTS, 64, 4, CHUNK, registry)) {
                List<GenerationRequest> requests = new ArrayList<>();
                for (List<Integer> prompt : prompts) {
                    Recorder r = new Recorder(registry);
                    together.add(r);
                    requests.add(new GenerationRequest(prompt, greedy, MAX_TOKENS, List.of(), 1, null, false, r));
                }
                loop.submitAll(requests); // all three start in the same step
                await().atMost(Duration.ofSeconds(30)).until(() -> together.stream().allMatch(r -> r.finish != null));
            }

            // One decode row per slot at most, plus the step's prompt budget (three whole chunks before).
            assertThat(registry.get("ignis.batch.rows").summary().max()).isLessThanOrEqualTo(SLOTS + CHUNK);
            // The earliest request's prompt is computed first, so its first token comes passes before the last's.
            assertThat(together.get(0).passesAtFirstText).isLessThan(together.get(1).passesAtFirstText);
            assertThat(together.get(1).passesAtFirstText).isLessThan(together.get(2).passesAtFirstText);
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(together.get(i).finish).isEqualTo("length");
                assertThat(together.get(i).text.toString()).as("request %d batched and alone", i).isEqualTo(alone.get(i));
            }
        }
    }
}
