package dev.ignis.controlplane.deployment;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A public endpoint is reachable from outside the cluster (through its load balancer); a private one from inside. */
public enum EndpointType {
    PUBLIC, PRIVATE;

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
