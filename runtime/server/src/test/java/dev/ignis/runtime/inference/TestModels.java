package dev.ignis.runtime.inference;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real model files the inference loop's tests run, found through {@code ignis.models.dir} (../shared/models). */
final class TestModels {

    private TestModels() {
    }

    /** stories260K's GGUF, or a clear failure naming where it was looked for. */
    static Path stories() {
        Path model = Path.of(System.getProperty("ignis.models.dir", "../../../shared/models"), "stories260K",
                "stories260K.gguf");
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException("test model " + model.toAbsolutePath() + " is missing");
        }
        return model;
    }
}
