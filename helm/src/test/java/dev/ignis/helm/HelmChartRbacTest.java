package dev.ignis.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.operator.OperatorSettings;
import dev.ignis.operator.inferencedeployment.InferenceDeploymentReconciler;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import java.lang.reflect.Field;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may do what: the operator exactly what its code does (least privilege), the control plane its
 * InferenceDeployments and Secrets in one namespace, nobody a wildcard.
 */
class HelmChartRbacTest {

    /** An API group and resource (with subresource), e.g. {@code apps} {@code deployments}. */
    record Grant(String group, String resource) implements Comparable<Grant> {
        static Grant of(String group, String resource) {
            return new Grant(group, resource);
        }

        @Override
        public int compareTo(Grant other) {
            return (group + "/" + resource).compareTo(other.group + "/" + other.resource);
        }
    }

    /** What the operator's dependents do with the objects they own: informers list and watch, writes replace. */
    static final Set<String> OWNED = Set.of("get", "list", "watch", "create", "update", "delete");
    static final String GROUP = HasMetadata.getGroup(InferenceDeployment.class);
    static final String PLURAL = HasMetadata.getPlural(InferenceDeployment.class);

    /**
     * The operator's permissions, read off dev.ignis.operator: the primary resource through an informer, its
     * status by patch (UpdateControl.patchStatus), the five dependents, the endpoint-key Secret by get
     * (InferenceDeploymentReconciler.secretProblem), runtime pods read through an informer (RuntimePodHealth),
     * Events by create (KubernetesEvents).
     */
    static final Map<Grant, Set<String>> OPERATOR = Map.ofEntries(
            Map.entry(Grant.of(GROUP, PLURAL), Set.of("get", "list", "watch")),
            Map.entry(Grant.of(GROUP, PLURAL + "/status"), Set.of("patch")),
            Map.entry(Grant.of("apps", "deployments"), OWNED),
            Map.entry(Grant.of("", "services"), OWNED),
            Map.entry(Grant.of("networking.k8s.io", "networkpolicies"), OWNED),
            Map.entry(Grant.of("autoscaling", "horizontalpodautoscalers"), OWNED),
            Map.entry(Grant.of("policy", "poddisruptionbudgets"), OWNED),
            Map.entry(Grant.of("", "configmaps"), OWNED),
            Map.entry(Grant.of("", "secrets"), Set.of("get")),
            Map.entry(Grant.of("", "pods"), Set.of("get", "list", "watch")),
            Map.entry(Grant.of("", "events"), Set.of("create")));

    static final Map<Grant, Set<String>> LEADER_ELECTION = Map.of(
            Grant.of("coordination.k8s.io", "leases"), Set.of("get", "create", "update"));

    static final Map<Grant, Set<String>> CONTROL_PLANE = Map.of(
            Grant.of(GROUP, PLURAL), Set.of("get", "list", "watch", "create", "update", "patch", "delete"),
            Grant.of("", "secrets"), Set.of("get", "list", "watch", "create", "update", "patch", "delete"));

    static java.util.stream.Stream<String> configurations() {
        return HelmChart.configurations();
    }

    @Test
    void operatorClusterRoleGrantsExactlyWhatTheOperatorDoes() {
        HelmChart.Rendered rendered = HelmChart.render();
        ClusterRole role = rendered.one(ClusterRole.class, "ignis-operator");
        assertThat(grants(role.getRules())).isEqualTo(new TreeMap<>(OPERATOR));
        ClusterRoleBinding binding = rendered.one(ClusterRoleBinding.class, "ignis-operator");
        assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
        assertThat(binding.getRoleRef().getName()).isEqualTo("ignis-operator");
        assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
            assertThat(subject.getKind()).isEqualTo("ServiceAccount");
            assertThat(subject.getName()).isEqualTo("ignis-operator");
            assertThat(subject.getNamespace()).isEqualTo(HelmChart.NAMESPACE);
        });
    }

    @Test
    void operatorMayOwnEveryKindItsReconcilerReconciles() throws IllegalAccessException {
        Map<Grant, Set<String>> granted = grants(
                HelmChart.render().one(ClusterRole.class, "ignis-operator").getRules());
        List<Class<? extends HasMetadata>> kinds = dependentKinds();
        assertThat(kinds).as("the reconciler's dependents, found by reflection").hasSizeGreaterThanOrEqualTo(5)
                .contains(Deployment.class);
        for (Class<? extends HasMetadata> kind : kinds) {
            Grant grant = Grant.of(HasMetadata.getGroup(kind), HasMetadata.getPlural(kind));
            assertThat(granted.getOrDefault(grant, Set.of()))
                    .as("verbs on %s, which the operator owns (%s)", grant, kind.getSimpleName())
                    .containsAll(Set.of("list", "watch", "create", "update", "delete"));
        }
        assertThat(granted.get(Grant.of(GROUP, PLURAL))).contains("list", "watch");
        assertThat(granted.get(Grant.of(GROUP, PLURAL + "/status"))).contains("patch");
    }

    @Test
    void operatorRolesInEachWatchedNamespaceReplaceTheClusterRole() {
        HelmChart.Rendered rendered = HelmChart.render(HelmChart.DIR.resolve("ci/namespaced-values.yaml"), Map.of());
        assertThat(rendered.all(ClusterRole.class)).isEmpty();
        assertThat(rendered.all(ClusterRoleBinding.class)).isEmpty();
        for (String namespace : List.of("ignis-models", "ignis-sandbox")) {
            Role role = rendered.all(Role.class).stream()
                    .filter(r -> r.getMetadata().getName().equals("ignis-operator")
                            && namespace.equals(r.getMetadata().getNamespace()))
                    .findFirst().orElseThrow(() -> new AssertionError("no operator Role in " + namespace));
            assertThat(grants(role.getRules())).as("operator Role in %s", namespace)
                    .isEqualTo(new TreeMap<>(OPERATOR));
            RoleBinding binding = rendered.all(RoleBinding.class).stream()
                    .filter(b -> b.getMetadata().getName().equals("ignis-operator")
                            && namespace.equals(b.getMetadata().getNamespace()))
                    .findFirst().orElseThrow(() -> new AssertionError("no operator RoleBinding in " + namespace));
            assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
            assertThat(binding.getSubjects()).extracting(Subject::getName, Subject::getNamespace)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("ignis-operator", HelmChart.NAMESPACE));
        }
        EnvVar watch = HelmChartWorkloadTest.env(rendered.one(Deployment.class, "ignis-operator"),
                "IGNIS_OPERATOR_WATCH_NAMESPACES");
        assertThat(watch.getValue()).isEqualTo("ignis-models,ignis-sandbox");
    }

    @Test
    void leaderElectionMayOnlyUseLeasesInTheReleaseNamespace() {
        HelmChart.Rendered rendered = HelmChart.render();
        Role role = rendered.one(Role.class, "ignis-operator-leader-election");
        assertThat(role.getMetadata().getNamespace()).isEqualTo(HelmChart.NAMESPACE);
        assertThat(grants(role.getRules())).isEqualTo(new TreeMap<>(LEADER_ELECTION));
        RoleBinding binding = rendered.one(RoleBinding.class, "ignis-operator-leader-election");
        assertThat(binding.getRoleRef().getName()).isEqualTo("ignis-operator-leader-election");
        assertThat(binding.getSubjects()).extracting(Subject::getName).containsExactly("ignis-operator");

        HelmChart.Rendered single = HelmChart.render(HelmChart.DIR.resolve("ci/single-operator-values.yaml"),
                Map.of());
        assertThat(single.has(Role.class, "ignis-operator-leader-election")).isFalse();
        assertThat(single.has(RoleBinding.class, "ignis-operator-leader-election")).isFalse();
    }

    @Test
    void controlPlaneManagesInferenceDeploymentsAndSecretsInItsNamespaceOnly() {
        HelmChart.Rendered rendered = HelmChart.render(HelmChart.DIR.resolve("ci/namespaced-values.yaml"), Map.of());
        Role role = rendered.one(Role.class, "ignis-control-plane");
        assertThat(role.getMetadata().getNamespace()).isEqualTo("ignis-models");
        assertThat(grants(role.getRules())).isEqualTo(new TreeMap<>(CONTROL_PLANE));
        RoleBinding binding = rendered.one(RoleBinding.class, "ignis-control-plane");
        assertThat(binding.getMetadata().getNamespace()).isEqualTo("ignis-models");
        assertThat(binding.getSubjects()).extracting(Subject::getName, Subject::getNamespace)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ignis-control-plane", HelmChart.NAMESPACE));
        assertThat(HelmChart.render().one(Role.class, "ignis-control-plane").getMetadata().getNamespace())
                .isEqualTo(HelmChart.NAMESPACE);
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void noRoleGrantsWildcardsOrNonResourceUrls(String configuration) {
        HelmChart.Rendered rendered = HelmChart.render(configuration);
        for (PolicyRule rule : allRules(rendered)) {
            assertThat(rule.getVerbs()).as("verbs of %s", rule).isNotEmpty().doesNotContain("*");
            assertThat(rule.getResources()).as("resources of %s", rule).isNotEmpty().doesNotContain("*")
                    .noneMatch(r -> r.endsWith("/*"));
            assertThat(rule.getApiGroups()).as("apiGroups of %s", rule).doesNotContain("*");
            assertThat(rule.getNonResourceURLs()).as("nonResourceURLs of %s", rule).isNullOrEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void operatorNeverWritesSecretsAndNobodyEscalates(String configuration) {
        HelmChart.Rendered rendered = HelmChart.render(configuration);
        Map<Grant, Set<String>> operator = boundTo(rendered, "ignis-operator");
        assertThat(operator).as("the operator's permissions").isNotEmpty();
        assertThat(operator.getOrDefault(Grant.of("", "secrets"), Set.of())).isSubsetOf("get");
        for (PolicyRule rule : allRules(rendered)) {
            assertThat(rule.getVerbs()).as("%s", rule).doesNotContain("escalate", "bind", "impersonate");
            assertThat(rule.getResources()).as("%s", rule).doesNotContain("roles", "clusterroles",
                    "rolebindings", "clusterrolebindings", "serviceaccounts/token", "pods/exec");
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void everyBindingNamesARenderedRoleAndServiceAccount(String configuration) {
        HelmChart.Rendered rendered = HelmChart.render(configuration);
        List<String> serviceAccounts = rendered.all(io.fabric8.kubernetes.api.model.ServiceAccount.class).stream()
                .map(sa -> sa.getMetadata().getNamespace() + "/" + sa.getMetadata().getName()).toList();
        for (RoleBinding binding : rendered.all(RoleBinding.class)) {
            assertThat(rendered.all(Role.class)).as("Role of %s", binding.getMetadata().getName())
                    .anyMatch(r -> r.getMetadata().getName().equals(binding.getRoleRef().getName())
                            && r.getMetadata().getNamespace().equals(binding.getMetadata().getNamespace()));
            assertThat(binding.getSubjects()).allMatch(s -> serviceAccounts.contains(s.getNamespace() + "/"
                    + s.getName()));
        }
        for (ClusterRoleBinding binding : rendered.all(ClusterRoleBinding.class)) {
            assertThat(rendered.has(ClusterRole.class, binding.getRoleRef().getName())).isTrue();
            assertThat(binding.getSubjects()).allMatch(s -> serviceAccounts.contains(s.getNamespace() + "/"
                    + s.getName()));
        }
    }

    @Test
    void crdAndOperatorRulesAgree() {
        JsonNode crd = HelmChart.readYaml(HelmChartLintTest.CHART_CRD);
        String group = crd.at("/spec/group").asText();
        String plural = crd.at("/spec/names/plural").asText();
        assertThat(crd.at("/spec/versions/0/name").asText())
                .isEqualTo(HasMetadata.getVersion(InferenceDeployment.class));
        assertThat(crd.at("/spec/versions/0/subresources/status").isObject())
                .as("the operator patches the status subresource").isTrue();
        Set<Grant> operatorGrants = grants(HelmChart.render().one(ClusterRole.class, "ignis-operator").getRules())
                .keySet();
        assertThat(operatorGrants).contains(Grant.of(group, plural), Grant.of(group, plural + "/status"));
        assertThat(operatorGrants.stream().filter(g -> g.group().equals(group)))
                .as("nothing else in the CRD's group").hasSize(2);
        assertThat(grants(HelmChart.render().one(Role.class, "ignis-control-plane").getRules()))
                .containsKey(Grant.of(group, plural));
    }

    /** Kinds the reconciler's dependents own: read off its fields, so a new dependent needs a new rule. */
    static List<Class<? extends HasMetadata>> dependentKinds() throws IllegalAccessException {
        var reconciler = new InferenceDeploymentReconciler(OperatorSettings.fromEnvironment(Map.of()),
                Clock.systemUTC());
        List<Class<? extends HasMetadata>> kinds = new ArrayList<>();
        for (Field field : InferenceDeploymentReconciler.class.getDeclaredFields()) {
            if (DependentResource.class.isAssignableFrom(field.getType())) {
                field.setAccessible(true);
                DependentResource<?, ?> dependent = (DependentResource<?, ?>) field.get(reconciler);
                @SuppressWarnings("unchecked")
                Class<? extends HasMetadata> kind = (Class<? extends HasMetadata>) dependent.resourceType();
                kinds.add(kind);
            }
        }
        return kinds;
    }

    /** Group/resource to verbs, over rules that may name several of each; fails on resourceNames. */
    static Map<Grant, Set<String>> grants(List<PolicyRule> rules) {
        Map<Grant, Set<String>> grants = new TreeMap<>();
        for (PolicyRule rule : rules) {
            assertThat(rule.getResourceNames()).as("resourceNames of %s", rule).isNullOrEmpty();
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    grants.computeIfAbsent(Grant.of(group, resource), g -> new TreeSet<>()).addAll(rule.getVerbs());
                }
            }
        }
        return grants;
    }

    /** Everything granted to one of the chart's ServiceAccounts, through any binding. */
    static Map<Grant, Set<String>> boundTo(HelmChart.Rendered rendered, String serviceAccount) {
        List<PolicyRule> rules = new ArrayList<>();
        for (RoleBinding binding : rendered.all(RoleBinding.class)) {
            if (binding.getSubjects().stream().anyMatch(s -> s.getName().equals(serviceAccount))) {
                rendered.all(Role.class).stream()
                        .filter(r -> r.getMetadata().getName().equals(binding.getRoleRef().getName())
                                && r.getMetadata().getNamespace().equals(binding.getMetadata().getNamespace()))
                        .forEach(r -> rules.addAll(r.getRules()));
            }
        }
        for (ClusterRoleBinding binding : rendered.all(ClusterRoleBinding.class)) {
            if (binding.getSubjects().stream().anyMatch(s -> s.getName().equals(serviceAccount))) {
                rules.addAll(rendered.one(ClusterRole.class, binding.getRoleRef().getName()).getRules());
            }
        }
        return grants(rules);
    }

    static List<PolicyRule> allRules(HelmChart.Rendered rendered) {
        Set<PolicyRule> rules = new LinkedHashSet<>();
        rendered.all(Role.class).forEach(r -> rules.addAll(r.getRules()));
        rendered.all(ClusterRole.class).forEach(r -> rules.addAll(r.getRules()));
        assertThat(rules).as("rules rendered").isNotEmpty();
        return List.copyOf(rules);
    }
}
