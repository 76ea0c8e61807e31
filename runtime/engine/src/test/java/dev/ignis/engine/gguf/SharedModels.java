package dev.ignis.engine.gguf;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared/models (or {@code ignis.models.dir} / {@code IGNIS_MODELS_DIR}); missing files fail loudly. */
public final class SharedModels {

    private SharedModels() {
    }

    public static Path dir() {
        String configured = System.getProperty("ignis.models.dir", System.getenv("IGNIS_MODELS_DIR"));
        Path dir = configured != null ? Path.of(configured) : Path.of("../../../shared/models");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("shared models folder " + dir.toAbsolutePath() + " is missing");
        }
        return dir;
    }

    public static Path file(String relative) {
        Path file = dir().resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("missing shared model file " + file.toAbsolutePath());
        }
        return file;
    }
}
