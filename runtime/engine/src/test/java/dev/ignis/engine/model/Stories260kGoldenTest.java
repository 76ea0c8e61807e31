package dev.ignis.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ignis.engine.generate.Generator;
import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.gguf.SharedModels;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Greedy decoding of stories260K equals the float64 reference in stories260K.golden.json: the prompt's
 * tokens, every generated token, the text, and the top-10 logits of the first five generated positions.
 */
class Stories260kGoldenTest {

    /** float32 arithmetic against a float64 reference: logits agree to this absolute difference. */
    static final double LOGIT_TOLERANCE = 1e-3;

    record Case(String prompt, int steps, List<Integer> promptIds, List<Integer> expected, String text,
                List<List<double[]>> top10) {
    }

    @Test
    void greedyDecodeMatchesGolden() throws IOException {
        check("stories260K/stories260K.gguf");
    }

    @Test
    void versionOneFileGivesTheSameOutput() throws IOException {
        check("stories260K/tinyllamas-stories-260k-f32.gguf");
    }

    private static void check(String file) throws IOException {
        try (GgufFile gguf = GgufFile.open(SharedModels.file(file))) {
            ModelLoader.LoadedModel loaded = ModelLoader.load(gguf);
            for (Case c : cases()) {
                List<Integer> promptIds = new ArrayList<>();
                promptIds.add(loaded.tokenizer().bos());
                promptIds.addAll(loaded.tokenizer().encode(c.prompt()));
                assertThat(promptIds).as("prompt ids of '%s'", c.prompt()).isEqualTo(c.promptIds());

                List<float[]> generatedLogits = new ArrayList<>();
                List<Integer> out = new Generator(loaded.model()).greedy(promptIds, c.steps(), t -> false,
                        (pos, logits, next, generated) -> {
                            if (generated && generatedLogits.size() < 5) {
                                generatedLogits.add(logits.clone());
                            }
                        });
                assertThat(out).as("greedy tokens of '%s'", c.prompt()).isEqualTo(c.expected());
                assertThat(loaded.tokenizer().decode(out)).isEqualTo(c.text());
                for (int p = 0; p < 5; p++) {
                    for (double[] idAndLogit : c.top10().get(p)) {
                        assertThat((double) generatedLogits.get(p)[(int) idAndLogit[0]])
                                .as("logit of token %d at generated position %d of '%s'", (int) idAndLogit[0], p,
                                        c.prompt())
                                .isCloseTo(idAndLogit[1], within(LOGIT_TOLERANCE));
                    }
                }
            }
        }
    }

    /** Reads the golden file with a small parser: the engine's tests use no JSON library either. */
    static List<Case> cases() throws IOException {
        String json = Files.readString(SharedModels.file("stories260K/stories260K.golden.json"));
        List<Case> cases = new ArrayList<>();
        Matcher m = Pattern.compile("\\{\\s*\"prompt\":\\s*\"(.*?)\",\\s*\"steps\":\\s*(\\d+),\\s*"
                + "\"prompt_ids_with_bos\":\\s*\\[([^\\]]*)\\],\\s*\"greedy_token_ids_after_bos\":\\s*\\[([^\\]]*)\\],\\s*"
                + "\"text\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\",\\s*\"top10_logits_first5_generated_positions\":\\s*"
                + "(\\[\\s*\\[\\s*\\[.*?\\]\\s*\\]\\s*\\])", Pattern.DOTALL).matcher(json);
        while (m.find()) {
            // Five positions of exactly ten [id, logit] pairs each, in order.
            List<List<double[]>> top10 = new ArrayList<>();
            Matcher pair = Pattern.compile("\\[\\s*(\\d+)\\s*,\\s*(-?[0-9.eE+-]+)\\s*\\]").matcher(m.group(6));
            while (pair.find()) {
                if (top10.isEmpty() || top10.getLast().size() == 10) {
                    top10.add(new ArrayList<>());
                }
                top10.getLast().add(new double[] {Double.parseDouble(pair.group(1)), Double.parseDouble(pair.group(2))});
            }
            cases.add(new Case(m.group(1), Integer.parseInt(m.group(2)), ints(m.group(3)), ints(m.group(4)),
                    m.group(5).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\"), top10));
        }
        assertThat(cases).hasSize(3);
        assertThat(cases).allSatisfy(c -> assertThat(c.top10()).hasSize(5).allSatisfy(p -> assertThat(p).hasSize(10)));
        return cases;
    }

    private static List<Integer> ints(String csv) {
        List<Integer> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(Integer.parseInt(s.strip()));
            }
        }
        return out;
    }
}
