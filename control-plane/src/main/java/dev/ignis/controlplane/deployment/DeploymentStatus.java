package dev.ignis.controlplane.deployment;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The lifecycle of a deployment. Users' changes move it to {@code creating} or {@code deploying}; the
 * provisioner reports {@code deploying}, {@code ready} or {@code error}; {@code deleting} ends in removal;
 * an admin may {@code lock} a deployment, which freezes it until unlocked.
 */
public enum DeploymentStatus {
    CREATING, DEPLOYING, READY, ERROR, DELETING, LOCKED;

    /** Whether a provisioner's report may move a deployment out of this status. */
    public boolean acceptsProvisionerReports() {
        return this != DELETING && this != LOCKED;
    }

    /** Whether users may change the deployment (spec, allowed IPs, keys) in this status. */
    public boolean mutable() {
        return this != DELETING && this != LOCKED;
    }

    public static Optional<DeploymentStatus> parse(String name) {
        return Arrays.stream(values()).filter(s -> s.toString().equals(name)).findFirst();
    }

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
