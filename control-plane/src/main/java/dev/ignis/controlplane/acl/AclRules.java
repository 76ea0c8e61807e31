package dev.ignis.controlplane.acl;

import dev.ignis.acl.Cidr;

import dev.ignis.controlplane.problem.Problem;
import dev.ignis.controlplane.problem.ProblemException;
import dev.ignis.controlplane.problem.ProblemType;
import io.quarkus.panache.common.Sort;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Validation, normalisation and storage of allowed-IP rules; used at creation and by {@link AclService}. */
public final class AclRules {

    private AclRules() {
    }

    /** A validated rule: the normalised network and its description. */
    public record Normalized(Cidr cidr, String description) {
    }

    /**
     * Parses every rule; all problems are reported at once with their field paths. Duplicates within the
     * list (after normalisation, so {@code 10.0.0.1} and {@code 10.0.0.1/32} are the same) are refused.
     */
    public static List<Normalized> normalize(List<AclRequest.Rule> rules, String field) {
        if (rules == null) {
            return List.of();
        }
        if (rules.size() > AclService.MAX_RULES) {
            throw new ProblemException(ProblemType.TOO_MANY_ACLS, "at most " + AclService.MAX_RULES
                    + " allowed IP ranges per deployment, got " + rules.size());
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        List<Normalized> out = new ArrayList<>();
        Map<Cidr, Integer> seen = new HashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            AclRequest.Rule rule = rules.get(i);
            String path = field + "[" + i + "].ip";
            try {
                Cidr cidr = Cidr.parse(rule.ip());
                Integer first = seen.putIfAbsent(cidr, i);
                if (first != null) {
                    throw new ProblemException(ProblemType.DUPLICATE_ACL, cidr + " is listed twice (" + field
                            + "[" + first + "] and " + field + "[" + i + "])",
                            List.of(new Problem.FieldError(path, "duplicate of " + field + "[" + first + "]")));
                }
                out.add(new Normalized(cidr, rule.description()));
            } catch (IllegalArgumentException e) {
                errors.add(new Problem.FieldError(path, e.getMessage()));
            }
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(ProblemType.VALIDATION_FAILED, errors.stream()
                    .map(e -> e.field() + ": " + e.message()).reduce((a, b) -> a + "; " + b).orElseThrow(), errors);
        }
        return out;
    }

    /** Stores rules for a deployment in the current transaction. */
    public static List<AclRuleEntity> store(UUID deploymentId, List<Normalized> rules) {
        List<AclRuleEntity> stored = new ArrayList<>();
        for (Normalized rule : rules) {
            AclRuleEntity e = new AclRuleEntity();
            e.id = UUID.randomUUID();
            e.deploymentId = deploymentId;
            e.cidr = rule.cidr().toString();
            e.description = rule.description();
            e.createdAt = Instant.now();
            e.persist();
            stored.add(e);
        }
        return stored;
    }

    public static List<String> cidrs(List<Normalized> rules) {
        return rules.stream().map(r -> r.cidr().toString()).toList();
    }

    /** The normalised CIDRs allowed to reach a deployment, in the order they were added. */
    public static List<String> cidrsOf(UUID deploymentId) {
        return AclRuleEntity.<AclRuleEntity>list("deploymentId", Sort.by("createdAt").and("id"), deploymentId)
                .stream().map(r -> r.cidr).toList();
    }
}
