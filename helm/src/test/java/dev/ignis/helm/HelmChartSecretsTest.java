package dev.ignis.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The database connection and the secrets: external by default, in-cluster on request; keys kept on upgrade. */
class HelmChartSecretsTest {

    static final String ADMIN_SECRET = "ignis-control-plane-admin-key";

    @AfterEach
    void forgetStoredSecrets() {
        StubKubernetesApi.start().clear();
    }

    @Test
    void externalDatabaseByDefaultWithItsPasswordFromASecret() {
        HelmChart.Rendered rendered = HelmChart.render();
        Deployment controlPlane = rendered.one(Deployment.class, "ignis-control-plane");
        assertThat(setting(rendered, controlPlane, "IGNIS_DB_URL"))
                .isEqualTo("jdbc:postgresql://postgresql:5432/ignis");
        assertThat(setting(rendered, controlPlane, "IGNIS_DB_USER")).isEqualTo("ignis");
        assertSecretRef(env(controlPlane, "IGNIS_DB_PASSWORD"), "ignis-database", "password");
        assertThat(rendered.all(StatefulSet.class)).isEmpty();
        assertThat(rendered.all(Secret.class)).extracting(s -> s.getMetadata().getName()).containsExactly(ADMIN_SECRET);
    }

    @Test
    void existingSecretsAreUsedAndNoneIsGenerated() {
        HelmChart.Rendered rendered = HelmChart.render(HelmChart.DIR.resolve("ci/existing-secrets-values.yaml"),
                Map.of());
        assertThat(rendered.all(Secret.class)).isEmpty();
        Deployment controlPlane = rendered.one(Deployment.class, "ignis-control-plane");
        assertSecretRef(env(controlPlane, "IGNIS_ADMIN_KEY"), "ignis-admin", "key");
        assertSecretRef(env(controlPlane, "IGNIS_DB_PASSWORD"), "ignis-db-credentials", "db-password");
        assertThat(setting(rendered, controlPlane, "IGNIS_DB_URL"))
                .isEqualTo("jdbc:postgresql://db.example.com:5432/ignis?sslmode=require");
        assertThat(setting(rendered, controlPlane, "IGNIS_DB_USER")).isEqualTo("ignis_app");
    }

    @Test
    void inClusterPostgresIsAStatefulSetWithAVolumeAGeneratedPasswordAndOnlyTheControlPlaneAsClient() {
        HelmChart.Rendered rendered = HelmChart.render(HelmChart.DIR.resolve("ci/in-cluster-postgres-values.yaml"),
                Map.of());
        StatefulSet postgres = rendered.one(StatefulSet.class, "ignis-postgresql");
        Container container = postgres.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(container.getImage()).isEqualTo("docker.io/library/postgres:17.6");
        assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("POSTGRES_PASSWORD")).singleElement()
                .satisfies(e -> assertSecretRef(e, "ignis-postgresql", "password"));
        assertThat(container.getVolumeMounts()).anyMatch(m -> m.getName().equals("data")
                && m.getMountPath().equals("/var/lib/postgresql/data"));
        PersistentVolumeClaim claim = postgres.getSpec().getVolumeClaimTemplates().getFirst();
        assertThat(claim.getMetadata().getName()).isEqualTo("data");
        assertThat(claim.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("2Gi"));
        assertThat(postgres.getSpec().getServiceName()).isEqualTo("ignis-postgresql");
        Service service = rendered.one(Service.class, "ignis-postgresql");
        assertThat(service.getSpec().getPorts().getFirst().getPort()).isEqualTo(5432);

        NetworkPolicy policy = rendered.one(NetworkPolicy.class, "ignis-postgresql");
        assertThat(postgres.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
        assertThat(policy.getSpec().getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getFrom()).singleElement().satisfies(peer -> assertThat(
                    rendered.one(Deployment.class, "ignis-control-plane").getSpec().getTemplate().getMetadata()
                            .getLabels()).containsAllEntriesOf(peer.getPodSelector().getMatchLabels()));
            assertThat(rendered.one(Deployment.class, "ignis-operator").getSpec().getTemplate().getMetadata()
                    .getLabels()).doesNotContainEntry("app.kubernetes.io/component",
                    rule.getFrom().getFirst().getPodSelector().getMatchLabels().get("app.kubernetes.io/component"));
            assertThat(rule.getPorts()).singleElement().satisfies(port -> assertThat(port.getPort().getStrVal())
                    .isEqualTo("postgresql"));
        });

        String password = decode(rendered.one(Secret.class, "ignis-postgresql"), "password");
        assertThat(password).hasSize(32).matches("[A-Za-z0-9]+");

        Deployment controlPlane = rendered.one(Deployment.class, "ignis-control-plane");
        assertThat(setting(rendered, controlPlane, "IGNIS_DB_URL"))
                .isEqualTo("jdbc:postgresql://ignis-postgresql.ignis-system.svc:5432/ignis");
        assertThat(setting(rendered, controlPlane, "IGNIS_DB_USER")).isEqualTo("ignis");
        assertSecretRef(env(controlPlane, "IGNIS_DB_PASSWORD"), "ignis-postgresql", "password");
    }

    @Test
    void generatedAdminKeyIsRandomAndAcceptedByTheControlPlane() {
        String first = decode(HelmChart.render().one(Secret.class, ADMIN_SECRET), "admin-key");
        String second = decode(HelmChart.render().one(Secret.class, ADMIN_SECRET), "admin-key");
        // AdminBootstrap accepts 32 to 200 characters without whitespace.
        assertThat(first).hasSizeBetween(32, 200).doesNotContainAnyWhitespaces().startsWith("ignis_admin_");
        assertThat(second).isNotEqualTo(first);
        Deployment controlPlane = HelmChart.render().one(Deployment.class, "ignis-control-plane");
        assertSecretRef(env(controlPlane, "IGNIS_ADMIN_KEY"), ADMIN_SECRET, "admin-key");
    }

    @Test
    void givenAdminKeyIsStored() {
        String key = "my-own-admin-key-0123456789abcdefghij";
        Secret secret = HelmChart.render(Map.of("controlPlane.adminKey.value", key)).one(Secret.class, ADMIN_SECRET);
        assertThat(decode(secret, "admin-key")).isEqualTo(key);
    }

    @Test
    void storedAdminKeyAndDatabasePasswordAreKeptOnUpgrade() {
        StubKubernetesApi api = StubKubernetesApi.start();
        api.putSecret(HelmChart.NAMESPACE, ADMIN_SECRET,
                Map.of("admin-key", "ignis_admin_from_the_first_install_0123"));
        api.putSecret(HelmChart.NAMESPACE, "ignis-postgresql", Map.of("password", "passwordFromTheFirstInstall"));
        HelmChart.Rendered rendered = HelmChart.render(Map.of("database.inCluster.enabled", true));
        assertThat(decode(rendered.one(Secret.class, ADMIN_SECRET), "admin-key"))
                .isEqualTo("ignis_admin_from_the_first_install_0123");
        assertThat(decode(rendered.one(Secret.class, "ignis-postgresql"), "password"))
                .isEqualTo("passwordFromTheFirstInstall");
        assertThat(api.requests()).contains(
                "GET /api/v1/namespaces/ignis-system/secrets/" + ADMIN_SECRET,
                "GET /api/v1/namespaces/ignis-system/secrets/ignis-postgresql");
    }

    static void assertSecretRef(EnvVar env, String secret, String key) {
        assertThat(env.getValue()).as("%s has no literal value", env.getName()).isNull();
        assertThat(env.getValueFrom().getSecretKeyRef().getName()).as("Secret of %s", env.getName()).isEqualTo(secret);
        assertThat(env.getValueFrom().getSecretKeyRef().getKey()).as("key of %s", env.getName()).isEqualTo(key);
    }

    static String setting(HelmChart.Rendered rendered, Deployment deployment, String name) {
        return HelmChartWorkloadTest.setting(rendered, deployment, name);
    }

    static EnvVar env(Deployment deployment, String name) {
        return HelmChartWorkloadTest.env(deployment, name);
    }

    static String decode(Secret secret, String key) {
        assertThat(secret.getData()).as("data of Secret %s", secret.getMetadata().getName()).containsKey(key);
        return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }
}
