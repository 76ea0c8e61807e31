package dev.ignis.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** values.schema.json (and the chart's own checks) reject values that would install something broken. */
class HelmChartSchemaTest {

    /** What helm says before the schema's own messages. */
    static final String SCHEMA_ERROR = "values don't meet the specifications of the schema";

    @Test
    void operatorReplicasBelowOneAreRejected() {
        assertThat(HelmChart.renderError("operator.replicas", 0))
                .contains(SCHEMA_ERROR, "/operator/replicas", "minimum");
    }

    @Test
    void controlPlaneReplicasBelowOneAreRejected() {
        assertThat(HelmChart.renderError("controlPlane.replicas", 0))
                .contains(SCHEMA_ERROR, "/controlPlane/replicas", "minimum");
    }

    @Test
    void severalOperatorsWithoutLeaderElectionAreRejected() {
        assertThat(HelmChart.renderError(Map.of("operator.leaderElection.enabled", false)))
                .contains(SCHEMA_ERROR, "/operator/replicas", "maximum");
    }

    @Test
    void aDatabaseThatIsNeitherExternalNorInClusterIsRejected() {
        assertThat(HelmChart.renderError("database.external.url", ""))
                .contains(SCHEMA_ERROR, "/database/external/url");
        assertThat(HelmChart.renderError("database.external.existingSecret", ""))
                .contains(SCHEMA_ERROR, "/database/external/existingSecret");
    }

    @Test
    void theInClusterDatabaseNeedsNoExternalUrl() {
        var rendered = HelmChart.render(Map.of("database.inCluster.enabled", true, "database.external.url", ""));
        assertThat(rendered.has(io.fabric8.kubernetes.api.model.apps.StatefulSet.class, "ignis-postgresql")).isTrue();
    }

    @Test
    void aDatabaseUrlThatIsNotJdbcPostgresqlIsRejected() {
        assertThat(HelmChart.renderError("database.external.url", "postgres://db:5432/ignis"))
                .contains(SCHEMA_ERROR, "/database/external/url");
    }

    @Test
    void emptyImageTagsAreRejected() {
        assertThat(HelmChart.renderError("operator.image.tag", "")).contains(SCHEMA_ERROR, "/operator/image/tag");
        assertThat(HelmChart.renderError("controlPlane.image.tag", ""))
                .contains(SCHEMA_ERROR, "/controlPlane/image/tag");
        assertThat(HelmChart.renderError("operator.runtimeImage.tag", ""))
                .contains(SCHEMA_ERROR, "/operator/runtimeImage/tag");
        assertThat(HelmChart.renderError("database.inCluster.image.tag", ""))
                .contains(SCHEMA_ERROR, "/database/inCluster/image/tag");
    }

    @Test
    void unknownKeysAreRejected() {
        assertThat(HelmChart.renderError("operator.replica", 3))
                .contains(SCHEMA_ERROR, "additional properties", "replica");
        assertThat(HelmChart.renderError("controlplane.replicas", 3))
                .contains(SCHEMA_ERROR, "additional properties", "controlplane");
    }

    @Test
    void enumsAndPatternsAreEnforced() {
        assertThat(HelmChart.renderError("controlPlane.service.type", "Ingress"))
                .contains(SCHEMA_ERROR, "/controlPlane/service/type");
        assertThat(HelmChart.renderError("operator.image.pullPolicy", "Sometimes"))
                .contains(SCHEMA_ERROR, "/operator/image/pullPolicy");
        assertThat(HelmChart.renderError("operator.watchNamespaces[0]", "Not_A_Namespace"))
                .contains(SCHEMA_ERROR, "/operator/watchNamespaces/0");
    }

    @Test
    void anAdminKeyTheControlPlaneWouldRefuseIsRejected() {
        assertThat(HelmChart.renderError("controlPlane.adminKey.value", "too-short"))
                .contains(SCHEMA_ERROR, "/controlPlane/adminKey/value");
        assertThat(HelmChart.renderError(Map.of("controlPlane.adminKey.value", "a".repeat(40),
                "controlPlane.adminKey.existingSecret", "admin"))).contains(SCHEMA_ERROR, "/controlPlane/adminKey");
    }

    @Test
    void anOperatorThatWouldNotSeeTheControlPlanesNamespaceIsRejected() {
        assertThat(HelmChart.renderError(Map.of("operator.watchNamespaces[0]", "elsewhere")))
                .contains("operator.watchNamespaces [elsewhere] does not contain \"ignis-system\"");
    }
}
