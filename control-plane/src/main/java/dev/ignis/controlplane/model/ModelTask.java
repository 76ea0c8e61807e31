package dev.ignis.controlplane.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What a model is served for: the runtime exposes chat, completion or embedding routes accordingly. */
public enum ModelTask {
    CHAT, COMPLETION, EMBEDDING;

    public static Optional<ModelTask> parse(String name) {
        return Arrays.stream(values()).filter(t -> t.toString().equals(name)).findFirst();
    }

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
