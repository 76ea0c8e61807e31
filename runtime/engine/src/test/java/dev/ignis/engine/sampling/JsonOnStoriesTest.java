package dev.ignis.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.gguf.SharedModels;
import dev.ignis.engine.model.KvCache;
import dev.ignis.engine.model.Llama;
import dev.ignis.engine.model.ModelLoader;
import dev.ignis.engine.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Constrained decoding with a real model, stories260K (512 tokens, a story model that has never seen JSON):
 * the text is valid against the schema, and the time the constraint adds to choosing each token is
 * measured against unconstrained sampling of the same logits (printed).
 */
class JsonOnStoriesTest {

    @Test
    void storiesWritesSchemaValidJsonAndTheConstraintCostIsMeasured() throws Exception {
        try (GgufFile gguf = GgufFile.open(SharedModels.file("stories260K/stories260K.gguf"))) {
            ModelLoader.LoadedModel loaded = ModelLoader.load(gguf);
            Tokenizer tokenizer = loaded.tokenizer();
            TokenTrie trie = new TokenTrie(tokenizer);
            long constrainedNanos = 0;
            long plainNanos = 0;
            int tokens = 0;
            int complete = 0;
            for (int run = 0; run < 4; run++) {
                SamplingParams params = run == 0 ? SamplingParams.greedy() : SamplingParams.withTemperature(1f, run);
                Sampler sampler = new Sampler(params);
                Sampler plain = new Sampler(params);
                JsonConstraint constraint = new JsonConstraint(JsonGrammarTest.PERSON, trie);
                Llama model = loaded.model();
                int context = model.config().contextLength();
                KvCache cache = model.newCache(context);
                Llama.State state = new Llama.State(model.config(), context);
                List<Integer> history = new ArrayList<>(List.of(tokenizer.bos()));
                history.addAll(tokenizer.encode("Lily had a dog."));
                float[] logits = null;
                for (int pos = 0; pos < history.size(); pos++) {
                    logits = model.forward(history.get(pos), pos, cache, state);
                }
                ByteArrayOutputStream text = new ByteArrayOutputStream();
                for (int pos = history.size(); pos < context && !constraint.done(); pos++) {
                    long start = System.nanoTime();
                    int token = sampler.sample(logits, history, constraint);
                    long mid = System.nanoTime();
                    plain.sample(logits, history);
                    plainNanos += System.nanoTime() - mid;
                    constrainedNanos += mid - start;
                    tokens++;
                    if (token == tokenizer.eos()) {
                        break;
                    }
                    constraint.accept(token);
                    history.add(token);
                    text.writeBytes(tokenizer.tokenBytes(token));
                    logits = model.forward(token, pos, cache, state);
                }
                String json = text.toString(StandardCharsets.UTF_8);
                assertThat(JsonGrammarTest.prefix(JsonGrammarTest.PERSON, json)).as(json).isTrue();
                if (constraint.done()) {
                    complete++;
                    assertThat(JsonGrammarTest.accepts(JsonGrammarTest.PERSON, json)).as(json).isTrue();
                }
            }
            System.out.printf("JSON on stories260K (%d-token vocabulary): %d tokens, choosing a token took %.1f µs"
                            + " with the constraint and %.1f µs without; %d of 4 runs completed their JSON%n",
                    tokenizer.vocabularySize(), tokens, constrainedNanos / 1e3 / tokens, plainNanos / 1e3 / tokens,
                    complete);
            assertThat(complete).isPositive();
        }
    }
}
