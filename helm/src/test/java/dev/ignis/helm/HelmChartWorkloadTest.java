package dev.ignis.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The pods the chart runs: hardened, probed where each process answers, on the chart's own release. */
class HelmChartWorkloadTest {

    static Stream<String> configurations() {
        return HelmChart.configurations();
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void everyContainerIsHardened(String configuration) {
        HelmChart.Rendered rendered = HelmChart.render(configuration);
        List<PodTemplateSpec> pods = podTemplates(rendered);
        assertThat(pods).hasSizeGreaterThanOrEqualTo(2);
        for (PodTemplateSpec pod : pods) {
            PodSecurityContext podContext = pod.getSpec().getSecurityContext();
            assertThat(podContext).as("pod security context of %s", pod.getMetadata().getLabels()).isNotNull();
            assertThat(podContext.getRunAsNonRoot()).isTrue();
            assertThat(podContext.getRunAsUser()).isNotNull().isPositive();
            assertThat(podContext.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            List<Container> containers = new ArrayList<>(pod.getSpec().getContainers());
            if (pod.getSpec().getInitContainers() != null) {
                containers.addAll(pod.getSpec().getInitContainers());
            }
            for (Container container : containers) {
                SecurityContext context = container.getSecurityContext();
                assertThat(context).as("security context of container %s", container.getName()).isNotNull();
                assertThat(context.getAllowPrivilegeEscalation()).as("%s", container.getName()).isFalse();
                assertThat(context.getReadOnlyRootFilesystem()).as("%s", container.getName()).isTrue();
                assertThat(context.getRunAsNonRoot()).as("%s", container.getName()).isTrue();
                assertThat(context.getPrivileged()).as("%s", container.getName()).isNotEqualTo(Boolean.TRUE);
                assertThat(context.getCapabilities().getDrop()).as("%s", container.getName()).containsExactly("ALL");
                assertThat(context.getCapabilities().getAdd()).as("%s", container.getName()).isNullOrEmpty();
                assertThat(context.getSeccompProfile().getType()).as("%s", container.getName())
                        .isEqualTo("RuntimeDefault");
                assertThat(container.getResources().getRequests()).as("requests of %s", container.getName())
                        .containsKeys("cpu", "memory");
                assertThat(container.getResources().getLimits()).as("limits of %s", container.getName())
                        .containsKey("memory");
                assertThat(container.getLivenessProbe()).as("liveness of %s", container.getName()).isNotNull();
                assertThat(container.getReadinessProbe()).as("readiness of %s", container.getName()).isNotNull();
                assertThat(container.getImage()).as("image of %s", container.getName()).matches(".+:[^:/]+");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void workloadsSelectTheirOwnPodsAndCarryStandardLabels(String configuration) {
        HelmChart.Rendered rendered = HelmChart.render(configuration);
        for (HasMetadata object : rendered.objects()) {
            assertThat(object.getMetadata().getLabels()).as("labels of %s/%s", object.getKind(),
                    object.getMetadata().getName()).containsKeys("app.kubernetes.io/name",
                    "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by",
                    "helm.sh/chart");
        }
        for (Deployment deployment : rendered.all(Deployment.class)) {
            assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                    .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
            assertThat(deployment.getSpec().getSelector().getMatchLabels()).containsKey("app.kubernetes.io/component");
        }
        List<Map<String, String>> podLabels = podTemplates(rendered).stream().map(p -> p.getMetadata().getLabels())
                .toList();
        for (Service service : rendered.all(Service.class)) {
            assertThat(podLabels).as("pods selected by Service %s", service.getMetadata().getName())
                    .filteredOn(labels -> labels.entrySet().containsAll(service.getSpec().getSelector().entrySet()))
                    .hasSize(1);
        }
    }

    @Test
    void operatorRunsTwoReplicasWithLeaderElectionAndHealthProbes() {
        Deployment operator = HelmChart.render().one(Deployment.class, "ignis-operator");
        assertThat(operator.getSpec().getReplicas()).isEqualTo(2);
        Container container = operator.getSpec().getTemplate().getSpec().getContainers().getFirst();
        EnvVar lease = env(operator, "IGNIS_OPERATOR_LEASE_NAMESPACE");
        assertThat(lease.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        assertThat(env(operator, "IGNIS_OPERATOR_LEASE_NAME").getValue()).isEqualTo("ignis-operator-leader");
        assertThat(env(operator, "IGNIS_OPERATOR_HEALTH_PORT").getValue()).isEqualTo("8081");
        assertThat(env(operator, "IGNIS_OPERATOR_WATCH_NAMESPACES").getValue()).isEmpty();
        assertHttpProbe(container, container.getLivenessProbe(), "/healthz", 8081);
        assertHttpProbe(container, container.getReadinessProbe(), "/readyz", 8081);
        assertHttpProbe(container, container.getStartupProbe(), "/healthz", 8081);
        assertThat(operator.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("ignis-operator");
        // The runtime pods' NetworkPolicy (RuntimeNetworkPolicyDependentResource) admits exactly this label.
        assertThat(operator.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("ignis.dev/role",
                "operator");
    }

    @Test
    void operatorWithoutLeaderElectionRunsAloneAndSaysSo() {
        Deployment operator = HelmChart.render(HelmChart.DIR.resolve("ci/single-operator-values.yaml"), Map.of())
                .one(Deployment.class, "ignis-operator");
        assertThat(operator.getSpec().getReplicas()).isEqualTo(1);
        EnvVar lease = env(operator, "IGNIS_OPERATOR_LEASE_NAMESPACE");
        assertThat(lease.getValue()).as("an empty lease namespace switches leader election off").isEmpty();
        assertThat(lease.getValueFrom()).isNull();
    }

    @Test
    void controlPlaneRunsTheKubernetesProvisionerWithQuarkusHealthProbes() {
        HelmChart.Rendered rendered = HelmChart.render();
        Deployment controlPlane = rendered.one(Deployment.class, "ignis-control-plane");
        Container container = controlPlane.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(setting(rendered, controlPlane, "IGNIS_PROVISIONER")).isEqualTo("kubernetes");
        assertThat(setting(rendered, controlPlane, "IGNIS_KUBERNETES_NAMESPACE")).isEqualTo(HelmChart.NAMESPACE);
        assertThat(setting(rendered, controlPlane, "IGNIS_PORT")).isEqualTo("8080");
        assertHttpProbe(container, container.getLivenessProbe(), "/q/health/live", 8080);
        assertHttpProbe(container, container.getReadinessProbe(), "/q/health/ready", 8080);
        assertHttpProbe(container, container.getStartupProbe(), "/q/health/started", 8080);
        assertThat(controlPlane.getSpec().getTemplate().getSpec().getServiceAccountName())
                .isEqualTo("ignis-control-plane");

        Service service = rendered.one(Service.class, "ignis-control-plane");
        assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getPort()).isEqualTo(8080);
            assertThat(port.getTargetPort().getStrVal()).isEqualTo("http");
        });

        HelmChart.Rendered namespaced = HelmChart.render(HelmChart.DIR.resolve("ci/namespaced-values.yaml"), Map.of());
        assertThat(setting(namespaced, namespaced.one(Deployment.class, "ignis-control-plane"),
                "IGNIS_KUBERNETES_NAMESPACE")).isEqualTo("ignis-models");
    }

    @Test
    void imageTagsDefaultToTheChartsAppVersion() {
        String version = HelmChart.appVersion();
        HelmChart.Rendered rendered = HelmChart.render();
        Deployment operator = rendered.one(Deployment.class, "ignis-operator");
        assertThat(image(operator)).isEqualTo("ghcr.io/ignis-dev/ignis-operator:" + version);
        assertThat(env(operator, "IGNIS_OPERATOR_RUNTIME_IMAGE").getValue())
                .isEqualTo("ghcr.io/ignis-dev/ignis-runtime:" + version);
        assertThat(image(rendered.one(Deployment.class, "ignis-control-plane")))
                .isEqualTo("ghcr.io/ignis-dev/ignis-control-plane:" + version);
        assertThat(HelmChart.readYaml(HelmChart.DIR.resolve("Chart.yaml")).get("version").asText())
                .isEqualTo("0.1.0");
    }

    @Test
    void imageTagsCanBePinned() {
        HelmChart.Rendered rendered = HelmChart.render(HelmChart.DIR.resolve("ci/single-operator-values.yaml"),
                Map.of());
        Deployment operator = rendered.one(Deployment.class, "ignis-operator");
        assertThat(image(operator)).isEqualTo("ghcr.io/ignis-dev/ignis-operator:0.1.0-rc.1");
        assertThat(env(operator, "IGNIS_OPERATOR_RUNTIME_IMAGE").getValue())
                .isEqualTo("registry.example.com/ignis/ignis-runtime:0.1.0-rc.1");
        Deployment controlPlane = rendered.one(Deployment.class, "ignis-control-plane");
        assertThat(image(controlPlane)).isEqualTo("ghcr.io/ignis-dev/ignis-control-plane:0.1.0-rc.1");
        assertThat(controlPlane.getSpec().getReplicas()).isEqualTo(3);
        Service service = rendered.one(Service.class, "ignis-control-plane");
        assertThat(service.getSpec().getType()).isEqualTo("LoadBalancer");
        assertThat(service.getSpec().getPorts().getFirst().getPort()).isEqualTo(443);
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void controlPlaneConfigMapHoldsNoSecretAndChangesRestartThePods(String configuration) {
        HelmChart.Rendered rendered = HelmChart.render(configuration);
        ConfigMap config = rendered.one(ConfigMap.class, "ignis-control-plane");
        assertThat(config.getData()).containsKeys("IGNIS_PROVISIONER", "IGNIS_KUBERNETES_NAMESPACE", "IGNIS_DB_URL",
                "IGNIS_DB_USER").doesNotContainKeys("IGNIS_DB_PASSWORD", "IGNIS_ADMIN_KEY");
        Deployment controlPlane = rendered.one(Deployment.class, "ignis-control-plane");
        assertThat(controlPlane.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsKeys("checksum/config", "checksum/admin-key");
    }

    @Test
    void aChangedSettingChangesTheControlPlanePodTemplate() {
        String before = configChecksum(HelmChart.render());
        assertThat(configChecksum(HelmChart.render())).isEqualTo(before);
        assertThat(configChecksum(HelmChart.render(Map.of("controlPlane.dbPoolSize", 3)))).isNotEqualTo(before);
    }

    private static String configChecksum(HelmChart.Rendered rendered) {
        return rendered.one(Deployment.class, "ignis-control-plane").getSpec().getTemplate().getMetadata()
                .getAnnotations().get("checksum/config");
    }

    @Test
    void extraEnvironmentIsAppended() {
        Deployment controlPlane = HelmChart.render(Map.of("controlPlane.extraEnv[0].name", "IGNIS_MODELS_DIR",
                "controlPlane.extraEnv[0].value", "/models")).one(Deployment.class, "ignis-control-plane");
        assertThat(env(controlPlane, "IGNIS_MODELS_DIR").getValue()).isEqualTo("/models");
    }

    static void assertHttpProbe(Container container, Probe probe, String path, int port) {
        assertThat(probe).as("probe on %s", path).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        String portName = probe.getHttpGet().getPort().getStrVal();
        int number = portName == null ? probe.getHttpGet().getPort().getIntVal()
                : container.getPorts().stream().filter(p -> portName.equals(p.getName()))
                        .map(ContainerPort::getContainerPort).findFirst()
                        .orElseThrow(() -> new AssertionError("no container port named " + portName));
        assertThat(number).as("port of the probe on %s", path).isEqualTo(port);
    }

    /**
     * The literal value of a container setting as the kubelet assembles it: env first, then the ConfigMaps of
     * envFrom (which must be rendered by the chart).
     */
    static String setting(HelmChart.Rendered rendered, Deployment deployment, String name) {
        Container container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
        for (EnvVar env : container.getEnv()) {
            if (env.getName().equals(name)) {
                assertThat(env.getValueFrom()).as("%s is a literal", name).isNull();
                return env.getValue();
            }
        }
        if (container.getEnvFrom() != null) {
            for (var source : container.getEnvFrom()) {
                assertThat(source.getConfigMapRef()).as("envFrom of %s", deployment.getMetadata().getName())
                        .isNotNull();
                ConfigMap map = rendered.one(ConfigMap.class, source.getConfigMapRef().getName());
                if (map.getData().containsKey(name)) {
                    return map.getData().get(name);
                }
            }
        }
        throw new AssertionError(deployment.getMetadata().getName() + " has no setting " + name);
    }

    static EnvVar env(Deployment deployment, String name) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv().stream()
                .filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(deployment.getMetadata().getName() + " has no " + name));
    }

    static String image(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage();
    }

    static List<PodTemplateSpec> podTemplates(HelmChart.Rendered rendered) {
        List<PodTemplateSpec> pods = new ArrayList<>();
        rendered.all(Deployment.class).forEach(d -> pods.add(d.getSpec().getTemplate()));
        rendered.all(StatefulSet.class).forEach(s -> pods.add(s.getSpec().getTemplate()));
        return pods;
    }
}
