package dev.ignis.operator;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The operator's own settings, from environment variables (the Helm chart sets them). Each is validated here,
 * at start-up, with a message naming the variable.
 *
 * @param runtimeImage image of runtime pods whose resource names none ({@code IGNIS_OPERATOR_RUNTIME_IMAGE})
 * @param watchNamespaces namespaces to watch; empty means all ({@code IGNIS_OPERATOR_WATCH_NAMESPACES})
 * @param leaseNamespace where the leader-election Lease lives; none disables leader election
 *     ({@code IGNIS_OPERATOR_LEASE_NAMESPACE}, else {@code POD_NAMESPACE})
 * @param leaseName the Lease's name ({@code IGNIS_OPERATOR_LEASE_NAME})
 * @param healthPort port of /healthz and /readyz, 0 to switch them off ({@code IGNIS_OPERATOR_HEALTH_PORT})
 * @param exitOnLostLease exit when the Lease is lost, so that Kubernetes restarts the replica and two never
 *     reconcile at once ({@code IGNIS_OPERATOR_EXIT_ON_LOST_LEASE}, true; false only where several replicas
 *     share one JVM, as in tests)
 */
public record OperatorSettings(String runtimeImage, List<String> watchNamespaces, String leaseNamespace,
        String leaseName, int healthPort, boolean exitOnLostLease) {

    public OperatorSettings(String runtimeImage, List<String> watchNamespaces, String leaseNamespace,
            String leaseName, int healthPort) {
        this(runtimeImage, watchNamespaces, leaseNamespace, leaseName, healthPort, true);
    }

    public static final String DEFAULT_RUNTIME_IMAGE = "ghcr.io/ignis-dev/ignis-runtime:" + Version.VERSION;

    public static OperatorSettings fromEnvironment(Map<String, String> env) {
        String image = env.getOrDefault("IGNIS_OPERATOR_RUNTIME_IMAGE", DEFAULT_RUNTIME_IMAGE).strip();
        if (image.isEmpty() || image.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("IGNIS_OPERATOR_RUNTIME_IMAGE must be an image reference, got '"
                    + image + "'");
        }
        List<String> namespaces = Arrays.stream(env.getOrDefault("IGNIS_OPERATOR_WATCH_NAMESPACES", "").split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
        for (String ns : namespaces) {
            if (!ns.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
                throw new IllegalArgumentException("IGNIS_OPERATOR_WATCH_NAMESPACES: '" + ns
                        + "' is not a namespace name");
            }
        }
        String leaseNamespace = env.getOrDefault("IGNIS_OPERATOR_LEASE_NAMESPACE", env.get("POD_NAMESPACE"));
        String leaseName = env.getOrDefault("IGNIS_OPERATOR_LEASE_NAME", "ignis-operator-leader");
        int port;
        try {
            port = Integer.parseInt(env.getOrDefault("IGNIS_OPERATOR_HEALTH_PORT", "8081"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("IGNIS_OPERATOR_HEALTH_PORT must be a port number", e);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("IGNIS_OPERATOR_HEALTH_PORT must be between 0 and 65535");
        }
        String exit = env.getOrDefault("IGNIS_OPERATOR_EXIT_ON_LOST_LEASE", "true").strip();
        if (!exit.equals("true") && !exit.equals("false")) {
            throw new IllegalArgumentException("IGNIS_OPERATOR_EXIT_ON_LOST_LEASE must be true or false");
        }
        return new OperatorSettings(image, namespaces, blankToNull(leaseNamespace), leaseName, port,
                Boolean.parseBoolean(exit));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
