package dev.ignis.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.gguf.SharedModels;
import dev.ignis.engine.model.ModelLoader;
import dev.ignis.engine.sampling.Sampler;
import dev.ignis.engine.sampling.SamplingParams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Invariants of generation on the real stories260K model. */
class GenerationInvariantsTest {

    static GgufFile file;
    static ModelLoader.LoadedModel loaded;

    @BeforeAll
    static void load() throws IOException {
        file = GgufFile.open(SharedModels.file("stories260K/stories260K.gguf"));
        loaded = ModelLoader.load(file);
    }

    @AfterAll
    static void close() {
        file.close();
    }

    private static List<Integer> prompt(String text) {
        List<Integer> p = new ArrayList<>();
        p.add(loaded.tokenizer().bos());
        p.addAll(loaded.tokenizer().encode(text));
        return p;
    }

    @Test
    void sameSeedGivesTheSameTextAndOtherSeedsDiffer() {
        Generator g = new Generator(loaded.model());
        SamplingParams params = new SamplingParams(1.0f, 0, 1, 40, 0.95f, 0.05f, 1.1f, 0, 0, 64, Map.of(), 1234);
        List<Integer> a = g.sample(prompt("Once upon a time"), 80, t -> false, new Sampler(params));
        List<Integer> b = g.sample(prompt("Once upon a time"), 80, t -> false, new Sampler(params));
        assertThat(a).isEqualTo(b);
        List<Integer> c = g.sample(prompt("Once upon a time"), 80, t -> false,
                new Sampler(new SamplingParams(1.0f, 0, 1, 40, 0.95f, 0.05f, 1.1f, 0, 0, 64, Map.of(), 99)));
        assertThat(c).isNotEqualTo(a);
        assertThat(loaded.tokenizer().decode(a)).startsWith("Once upon a time");
    }

    @Test
    void zeroTemperatureSamplingEqualsGreedy() {
        Generator g = new Generator(loaded.model());
        assertThat(g.sample(prompt("Zoo"), 50, t -> false, new Sampler(SamplingParams.greedy())))
                .isEqualTo(g.greedy(prompt("Zoo"), 50, t -> false, null));
    }

    @Test
    void stopOnATokenEndsGeneration() {
        Generator g = new Generator(loaded.model());
        List<Integer> full = g.greedy(prompt("Zoo"), 40, t -> false, null);
        int stopToken = full.get(10);
        List<Integer> cut = g.greedy(prompt("Zoo"), 40, t -> t == stopToken, null);
        assertThat(cut).isEqualTo(full.subList(0, full.indexOf(stopToken)));
    }

    @Test
    void contextPastTheModelsLengthIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> loaded.model().newCache(100_000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("context size");
    }
}
