package dev.ignis.controlplane.acl;

import dev.ignis.controlplane.auth.Caller;
import dev.ignis.controlplane.deployment.DeploymentEventEntity;
import dev.ignis.controlplane.deployment.DeploymentService;
import dev.ignis.controlplane.problem.Problem;
import dev.ignis.controlplane.problem.ProblemException;
import dev.ignis.controlplane.problem.ProblemType;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The allowed-IP list of a deployment. Changes run under the deployment's row lock, so concurrent adds
 * cannot exceed the maximum or insert the same range twice, and each change reaches the provisioner
 * (and from there the load balancer and the runtimes) without restarting the model.
 */
@ApplicationScoped
public class AclService {

    /** At most this many ranges per deployment: cloud load balancers cap their source ranges around here. */
    public static final int MAX_RULES = 64;

    private final DeploymentService deployments;

    AclService(DeploymentService deployments) {
        this.deployments = deployments;
    }

    public AclResponse.Page list(Caller caller, UUID deploymentId) {
        return QuarkusTransaction.joiningExisting().call(() -> {
            deployments.visible(caller, deploymentId);
            List<AclResponse> rules = rulesOf(deploymentId).stream().map(AclResponse::of).toList();
            return new AclResponse.Page(rules, rules.size());
        });
    }

    public AclResponse.Page add(Caller caller, UUID deploymentId, AclRequest request) {
        List<AclRules.Normalized> rules = AclRules.normalize(request.acls(), "acls");
        if (rules.isEmpty()) {
            throw ProblemException.invalid("acls", "must list at least one rule to add");
        }
        return deployments.mutateChild(caller, deploymentId, d -> {
            List<AclRuleEntity> existing = rulesOf(d.id);
            Set<String> present = existing.stream().map(r -> r.cidr).collect(Collectors.toSet());
            for (int i = 0; i < rules.size(); i++) {
                String cidr = rules.get(i).cidr().toString();
                if (present.contains(cidr)) {
                    throw new ProblemException(ProblemType.DUPLICATE_ACL, cidr + " is already allowed",
                            List.of(new Problem.FieldError("acls[" + i + "].ip", "already allowed")));
                }
            }
            if (existing.size() + rules.size() > MAX_RULES) {
                throw new ProblemException(ProblemType.TOO_MANY_ACLS, "a deployment has at most " + MAX_RULES
                        + " allowed IP ranges; it has " + existing.size() + " and " + rules.size() + " were added");
            }
            List<AclRuleEntity> added = AclRules.store(d.id, rules);
            DeploymentEventEntity.record(d.id, "acl", caller.actor(), "allowed " + AclRules.cidrs(rules));
            return new AclResponse.Page(added.stream().map(AclResponse::of).toList(), added.size());
        });
    }

    public AclResponse.Page replace(Caller caller, UUID deploymentId, AclRequest request) {
        List<AclRules.Normalized> rules = AclRules.normalize(request.acls(), "acls");
        return deployments.mutateChild(caller, deploymentId, d -> {
            List<String> before = rulesOf(d.id).stream().map(r -> r.cidr).toList();
            AclRuleEntity.delete("deploymentId", d.id);
            AclRuleEntity.getEntityManager().flush();
            List<AclRuleEntity> stored = AclRules.store(d.id, rules);
            DeploymentEventEntity.record(d.id, "acl", caller.actor(), "replaced allowed IPs " + before + " with "
                    + (rules.isEmpty() ? "[] (every address may connect)" : AclRules.cidrs(rules).toString()));
            return new AclResponse.Page(stored.stream().map(AclResponse::of).toList(), stored.size());
        });
    }

    public void delete(Caller caller, UUID deploymentId, UUID ruleId) {
        deployments.mutateChild(caller, deploymentId, d -> {
            AclRuleEntity rule = AclRuleEntity.findById(ruleId);
            if (rule == null || !rule.deploymentId.equals(d.id)) {
                throw ProblemException.notFound("allowed IP rule", ruleId);
            }
            rule.delete();
            long remaining = AclRuleEntity.count("deploymentId", d.id);
            DeploymentEventEntity.record(d.id, "acl", caller.actor(), "removed " + rule.cidr
                    + (remaining == 0 ? "; the list is empty: every address may connect" : ""));
            return Boolean.TRUE;
        });
    }

    private static List<AclRuleEntity> rulesOf(UUID deploymentId) {
        return AclRuleEntity.list("deploymentId", Sort.by("createdAt").and("id"), deploymentId);
    }
}
