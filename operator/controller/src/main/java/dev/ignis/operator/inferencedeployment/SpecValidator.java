package dev.ignis.operator.inferencedeployment;

import dev.ignis.acl.Cidr;
import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.InferenceDeploymentSpec;
import dev.ignis.crd.v1alpha1.ReplicasSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Re-checks what the CRD schema states (API servers before 1.31 lack the CIDR functions its CEL rules use, and
 * objects may predate a schema change) plus what no schema can: that the names of the owned objects are valid.
 * A spec that fails here becomes a {@code Degraded} condition; the owned objects are left as they are.
 */
final class SpecValidator {

    private static final String DNS_1035 = "[a-z]([-a-z0-9]{0,61}[a-z0-9])?";

    private SpecValidator() {
    }

    /** Every problem found, each naming the field; empty when the spec is valid. */
    static List<String> problems(InferenceDeployment primary) {
        List<String> problems = new ArrayList<>();
        String name = primary.getMetadata().getName();
        if (name == null || !name.matches(DNS_1035)) {
            problems.add("metadata.name '" + name + "' must be a DNS-1035 label (lower-case letters, digits and"
                    + " '-', starting with a letter, at most 63 characters): it names the Service");
        }
        InferenceDeploymentSpec spec = primary.getSpec();
        if (spec == null) {
            problems.add("spec is required");
            return problems;
        }
        if (spec.getModel() == null) {
            problems.add("spec.model is required");
        } else {
            var model = spec.getModel();
            if (model.getName() == null || model.getName().isBlank()) {
                problems.add("spec.model.name is required");
            }
            String uri = model.getUri();
            if (uri == null || !(uri.startsWith("http://") || uri.startsWith("https://")
                    || uri.startsWith("file:///"))) {
                problems.add("spec.model.uri must be an http(s):// or file:/// URI, got '" + uri + "'");
            }
            if (model.getQuantization() == null) {
                problems.add("spec.model.quantization is required (fp16, bf16, fp8, int8 or int4)");
            }
            if (model.getSha256() != null && !model.getSha256().matches("[0-9a-f]{64}")) {
                problems.add("spec.model.sha256 must be 64 lower-case hexadecimal characters");
            }
        }
        ReplicasSpec replicas = spec.getReplicas();
        if (replicas != null) {
            if (replicas.getMin() < 1) {
                problems.add("spec.replicas.min must be at least 1, got " + replicas.getMin());
            }
            if (replicas.getMin() > replicas.getMax()) {
                problems.add("spec.replicas.min (" + replicas.getMin() + ") must not exceed spec.replicas.max ("
                        + replicas.getMax() + ")");
            }
        }
        List<String> ranges = spec.getAllowedSourceRanges() == null ? List.of() : spec.getAllowedSourceRanges();
        if (ranges.size() > InferenceDeploymentSpec.MAX_SOURCE_RANGES) {
            problems.add("spec.allowedSourceRanges has " + ranges.size() + " entries; at most "
                    + InferenceDeploymentSpec.MAX_SOURCE_RANGES + " are allowed");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < ranges.size(); i++) {
            String range = ranges.get(i);
            try {
                Cidr cidr = Cidr.parse(range);
                if (!range.contains("/")) {
                    problems.add("spec.allowedSourceRanges[" + i + "] '" + range + "' must be a CIDR (write "
                            + cidr + ")");
                } else if (!seen.add(cidr.toString())) {
                    problems.add("spec.allowedSourceRanges[" + i + "] '" + range + "' is listed twice");
                }
            } catch (IllegalArgumentException e) {
                problems.add("spec.allowedSourceRanges[" + i + "]: " + e.getMessage());
            }
        }
        if (spec.getAuth() == null) {
            problems.add("spec.auth is required: name the Secret with the endpoint keys' hashes, or set"
                    + " disabled: true");
        } else if ((spec.getAuth().getSecretName() == null) == !spec.getAuth().isDisabled()) {
            problems.add("spec.auth needs either secretName or disabled: true, not both");
        }
        return problems;
    }
}
