package dev.ignis.engine.model;

import dev.ignis.engine.gguf.SharedModels;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One sentence of an embedding model's {@code golden.json} (onnxruntime's output): the text, the token ids
 * with [CLS] and [SEP], and the normalized embedding.
 */
public record EmbeddingGolden(String text, List<Integer> ids, float[] embedding) {

    private static final Pattern CASE = Pattern.compile("\\{\\s*\"text\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,"
            + "\\s*\"ids\"\\s*:\\s*\\[([^]]*)]\\s*,\\s*\"norm\"\\s*:\\s*[-0-9.eE+]+\\s*,\\s*\"embedding\"\\s*:\\s*\\[([^]]*)]");

    /** The cases of {@code embeddings/<model>/golden.json}; fails loudly when it has none. */
    public static List<EmbeddingGolden> of(String model) throws IOException {
        String json = Files.readString(SharedModels.file("embeddings/" + model + "/golden.json"));
        List<EmbeddingGolden> cases = new ArrayList<>();
        Matcher m = CASE.matcher(json);
        while (m.find()) {
            String text = m.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
            if (text.contains("\\")) {
                throw new IllegalStateException("unexpected JSON escape in golden text: " + text);
            }
            List<Integer> ids = Arrays.stream(m.group(2).split(",")).map(String::strip).map(Integer::parseInt).toList();
            String[] values = m.group(3).split(",");
            float[] embedding = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                embedding[i] = Float.parseFloat(values[i].strip());
            }
            cases.add(new EmbeddingGolden(text, ids, embedding));
        }
        if (cases.isEmpty()) {
            throw new IllegalStateException("no cases parsed from " + model + "/golden.json");
        }
        return cases;
    }
}
