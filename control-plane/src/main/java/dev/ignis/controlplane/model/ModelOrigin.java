package dev.ignis.controlplane.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a model entry comes from: the built-in catalog, the local model folder, or a user's import. */
public enum ModelOrigin {
    CATALOG, LOCAL, CUSTOM;

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
