package dev.ignis.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.gguf.SharedModels;
import dev.ignis.engine.sampling.Greedy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each served precision against the stored F32 weights of stories260K: the logits of the converted model
 * along the F32 model's own greedy continuations of the golden prompts. Reports, per precision, the mean
 * and max relative L2 error of the logits and how often the greedy token agrees; the bounds are the
 * measured figures (docs/internals/engine.md) with a margin.
 */
class QuantizationErrorTest {

    record Error(double mean, double max, double agreement) {
    }

    static final Map<Precision, Error> BOUNDS = Map.of(
            Precision.FP16, new Error(0.0005, 0.002, 1.0),
            Precision.BF16, new Error(0.004, 0.015, 0.99),
            Precision.FP8, new Error(0.04, 0.3, 0.94),
            Precision.INT8, new Error(0.01, 0.035, 0.99),
            Precision.INT4, new Error(0.15, 3.5, 0.80));

    @Test
    void everyPrecisionStaysWithinItsMeasuredError() throws IOException {
        try (GgufFile file = GgufFile.open(SharedModels.file("stories260K/stories260K.gguf"));
             ModelLoader.LoadedModel reference = ModelLoader.load(file)) {
            List<List<Integer>> sequences = new ArrayList<>();
            for (String prompt : List.of("Zoo", "Once upon a time", "The little dog", "")) {
                List<Integer> tokens = new ArrayList<>();
                tokens.add(reference.tokenizer().bos());
                tokens.addAll(reference.tokenizer().encode(prompt));
                List<Integer> continuation = new dev.ignis.engine.generate.Generator(reference.model())
                        .greedy(tokens, 96, t -> false, null);
                List<Integer> all = new ArrayList<>(tokens.subList(0, 1));
                all.addAll(continuation);
                sequences.add(all);
            }
            Map<Precision, Error> measured = new EnumMap<>(Precision.class);
            for (Precision precision : Precision.values()) {
                try (ModelLoader.LoadedModel converted = ModelLoader.load(file, precision)) {
                    measured.put(precision, compare(reference.model(), converted.model(), sequences));
                }
            }
            measured.forEach((p, e) -> System.out.printf(Locale.ROOT,
                    "stories260K %-5s logits relative error mean %.5f max %.5f, greedy agreement %.3f%n",
                    p, e.mean(), e.max(), e.agreement()));
            measured.forEach((p, e) -> {
                Error bound = BOUNDS.get(p);
                assertThat(e.mean()).as("%s mean relative error", p).isLessThanOrEqualTo(bound.mean());
                assertThat(e.max()).as("%s max relative error", p).isLessThanOrEqualTo(bound.max());
                assertThat(e.agreement()).as("%s greedy agreement", p).isGreaterThanOrEqualTo(bound.agreement());
            });
            assertThat(measured.get(Precision.INT4).mean()).isGreaterThan(measured.get(Precision.INT8).mean());
        }
    }

    @Test
    void convertingToMorePrecisionThanStoredIsRefused() throws IOException {
        try (GgufFile bge = GgufFile.open(SharedModels.file("embeddings/bge-small-en-v1.5/bge-small-en-v1.5-q8_0.gguf"))) {
            assertThat(ModelLoader.storedType(bge.header())).hasToString("Q8_0");
        }
        try (GgufFile file = GgufFile.open(SharedModels.file("stories260K/stories260K.gguf"));
             ModelLoader.LoadedModel int8 = ModelLoader.load(file, Precision.INT8)) {
            assertThat(int8.model().config().dim()).isEqualTo(64);
        }
        assertThatThrownBy(() -> Precision.parse("int3")).hasMessageContaining("unknown precision");
    }

    private static Error compare(Llama reference, Llama converted, List<List<Integer>> sequences) {
        double sum = 0;
        double max = 0;
        int positions = 0;
        int agree = 0;
        for (List<Integer> seq : sequences) {
            KvCache refCache = reference.newCache(seq.size());
            KvCache cache = converted.newCache(seq.size());
            Llama.State refState = new Llama.State(reference.config(), seq.size());
            Llama.State state = new Llama.State(converted.config(), seq.size());
            for (int pos = 0; pos < seq.size(); pos++) {
                float[] ref = reference.forward(seq.get(pos), pos, refCache, refState);
                float[] got = converted.forward(seq.get(pos), pos, cache, state);
                double diff = 0;
                double norm = 0;
                for (int i = 0; i < ref.length; i++) {
                    diff += (got[i] - ref[i]) * (double) (got[i] - ref[i]);
                    norm += ref[i] * (double) ref[i];
                }
                double relative = Math.sqrt(diff / norm);
                sum += relative;
                max = Math.max(max, relative);
                if (Greedy.argmax(got) == Greedy.argmax(ref)) {
                    agree++;
                }
                positions++;
            }
        }
        return new Error(sum / positions, max, agree / (double) positions);
    }
}
