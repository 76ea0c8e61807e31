package dev.ignis.controlplane.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** {@code preparing} while the source is read and checked; {@code ready} to deploy; {@code error} with a message. */
public enum ModelStatus {
    PREPARING, READY, ERROR;

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
