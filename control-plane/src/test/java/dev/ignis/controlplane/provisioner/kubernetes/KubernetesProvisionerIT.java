package dev.ignis.controlplane.provisioner.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.controlplane.provisioner.DeploymentSpec;
import dev.ignis.controlplane.provisioner.ProvisionerEvents;
import dev.ignis.crd.v1alpha1.InferenceDeployment;
import dev.ignis.crd.v1alpha1.InferenceDeploymentStatus;
import dev.ignis.operator.IgnisOperator;
import dev.ignis.operator.OperatorSettings;
import dev.ignis.operator.testing.Awaits;
import dev.ignis.operator.testing.MockKubernetes;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kubernetes provisioner and the operator on Fabric8's mock API server: a deployment becomes a custom
 * resource, the operator's status comes back as provisioner events, keys become a Secret of hashes, changes
 * patch the resource, delete removes it.
 */
class KubernetesProvisionerIT {

    private static final String NS = "ignis";
    private static MockKubernetes kube;
    private static KubernetesClient client;
    private static IgnisOperator operator;
    private static KubernetesProvisioner provisioner;
    private static final List<String> events = new CopyOnWriteArrayList<>();

    private record Config(String namespace, Optional<String> runtimeImage, String publicServiceType,
            boolean pruneOrphans, Optional<String> modelCacheClaim, Optional<String> apiServerUrl,
            Optional<String> token, boolean trustCerts) implements KubernetesProvisionerConfig {
    }

    @BeforeAll
    static void start() throws Exception {
        kube = new MockKubernetes().withCrd();
        client = kube.client();
        operator = IgnisOperator.start(client, new OperatorSettings("registry.example/runtime:it", List.of(), null,
                "unused", 0));
        provisioner = new KubernetesProvisioner(client, new Config(NS, Optional.empty(), "LoadBalancer", true,
                Optional.empty(), Optional.empty(), Optional.empty(), false), new ProvisionerEvents() {
                    @Override
                    public void deploying(UUID id, String reason) {
                        events.add(id + " deploying " + reason);
                    }

                    @Override
                    public void ready(UUID id, String publicUrl, String privateUrl, String reason) {
                        events.add(id + " ready " + publicUrl + " " + privateUrl);
                    }

                    @Override
                    public void failed(UUID id, String reason) {
                        events.add(id + " failed " + reason);
                    }

                    @Override
                    public void deleted(UUID id) {
                        events.add(id + " deleted");
                    }
                });
    }

    @AfterAll
    static void stop() {
        if (provisioner != null) {
            provisioner.close();
        }
        if (operator != null) {
            operator.close();
        }
        if (kube != null) {
            kube.close();
        }
    }

    private static DeploymentSpec spec(UUID id, long generation, List<String> cidrs, List<String> keys, int min,
            int max) {
        return new DeploymentSpec(id, UUID.fromString("00000000-0000-4000-8000-000000000001"), "My Chat Bot",
                generation, new DeploymentSpec.Model("qwen2.5-0.5b-instruct", "chat",
                "https://models.example/qwen.gguf", "AB".repeat(32), "gguf", "int8"),
                "cpu-2x4", 2, 4L << 30, min, max, 4096, 0, 4, true, true, true, cidrs, keys);
    }

    @Test
    void aDeploymentBecomesAResourceAndItsStatusComesBack() {
        UUID id = UUID.randomUUID();
        String name = "d-" + id;
        provisioner.apply(spec(id, 1, List.of("203.0.113.0/24"), List.of("cd".repeat(32)), 1, 1));

        InferenceDeployment resource = client.resources(InferenceDeployment.class).inNamespace(NS).withName(name).get();
        assertThat(resource.getSpec().getModel().getQuantization().name()).isEqualTo("int8");
        assertThat(resource.getSpec().getModel().getSha256()).isEqualTo("ab".repeat(32));
        assertThat(resource.getSpec().getAllowedSourceRanges()).containsExactly("203.0.113.0/24");
        assertThat(resource.getSpec().getResources().getLimits().get("memory").toString()).isEqualTo("4096Mi");
        assertThat(resource.getSpec().getAuth().getSecretName()).isEqualTo(name + "-keys");
        assertThat(resource.getMetadata().getAnnotations()).containsEntry("ignis.dev/deployment-name", "My Chat Bot");
        Secret keys = client.secrets().inNamespace(NS).withName(name + "-keys").get();
        assertThat(decoded(keys)).isEqualTo("cd".repeat(32));
        assertThat(keys.getMetadata().getOwnerReferences().getFirst().getUid())
                .isEqualTo(resource.getMetadata().getUid());
        awaitEvents(() -> events.stream().anyMatch(e -> e.startsWith(id + " deploying")) ? true : null);

        // The operator made the runtime objects; a kubelet and a cloud controller make them ready.
        awaitEvents(() -> client.apps().deployments().inNamespace(NS).withName(name).get());
        client.apps().deployments().inNamespace(NS).withName(name).editStatus(d -> {
            d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                    .withReplicas(1).withUpdatedReplicas(1).withReadyReplicas(1).build());
            return d;
        });
        awaitEvents(() -> client.services().inNamespace(NS).withName(name).get());
        client.services().inNamespace(NS).withName(name).editStatus(s -> {
            s.setStatus(new ServiceStatusBuilder().withNewLoadBalancer().addNewIngress().withIp("198.51.100.20")
                    .endIngress().endLoadBalancer().build());
            return s;
        });
        awaitEvents(() -> events.contains(id + " ready http://198.51.100.20/v1 http://" + name + "." + NS
                + ".svc.cluster.local/v1") ? true : null);

        // An ACL change and new keys: the resource and the Secret follow, and so does the load balancer.
        provisioner.apply(spec(id, 2, List.of("192.0.2.0/24", "2001:db8::/32"), List.of(), 1, 3));
        InferenceDeployment changed = client.resources(InferenceDeployment.class).inNamespace(NS).withName(name).get();
        assertThat(changed.getSpec().getAllowedSourceRanges()).containsExactly("192.0.2.0/24", "2001:db8::/32");
        assertThat(changed.getSpec().getReplicas().getMax()).isEqualTo(3);
        String unguessable = decoded(client.secrets().inNamespace(NS).withName(name + "-keys").get());
        assertThat(unguessable).as("keys required, none active: nobody's key matches").matches("[0-9a-f]{64}")
                .isNotEqualTo("cd".repeat(32));
        awaitEvents(() -> client.services().inNamespace(NS).withName(name).get().getSpec().getLoadBalancerSourceRanges()
                .equals(List.of("192.0.2.0/24", "2001:db8::/32")) ? true : null);

        // A late apply of an older generation does not roll the resource back.
        provisioner.apply(spec(id, 1, List.of("203.0.113.0/24"), List.of(), 1, 1));
        assertThat(client.resources(InferenceDeployment.class).inNamespace(NS).withName(name).get().getSpec()
                .getAllowedSourceRanges()).containsExactly("192.0.2.0/24", "2001:db8::/32");

        provisioner.delete(id);
        awaitEvents(() -> events.contains(id + " deleted") ? true : null);
        assertThat(client.resources(InferenceDeployment.class).inNamespace(NS).withName(name).get()).isNull();
    }

    @Test
    void aDegradedResourceIsAnErrorWithTheOperatorsMessage() {
        UUID id = UUID.randomUUID();
        provisioner.apply(spec(id, 1, List.of("203.0.113.0/24"), List.of("ef".repeat(32)), 1, 1));
        // Something the API server's CEL would catch but the mock lets through, to make the operator refuse it.
        client.resources(InferenceDeployment.class).inNamespace(NS).withName("d-" + id).edit(r -> {
            r.getSpec().getReplicas().setMin(5);
            r.getSpec().getReplicas().setMax(2);
            return r;
        });
        awaitEvents(() -> events.stream().anyMatch(e -> e.startsWith(id + " failed InvalidSpec")
                && e.contains("spec.replicas.min (5) must not exceed spec.replicas.max (2)")) ? true : null);
    }

    @Test
    void orphansAreDeletedWhenPruningIsOn() {
        UUID orphan = UUID.randomUUID();
        UUID live = UUID.randomUUID();
        provisioner.apply(spec(orphan, 1, List.of(), List.of(), 1, 1));
        provisioner.apply(spec(live, 1, List.of(), List.of(), 1, 1));
        provisioner.reconciled(List.of(live));
        awaitEvents(() -> client.resources(InferenceDeployment.class).inNamespace(NS).withName("d-" + orphan).get() == null
                ? true : null);
        assertThat(client.resources(InferenceDeployment.class).inNamespace(NS).withName("d-" + live).get()).isNotNull();
    }

    @Test
    void deletingWhatIsNotThereReportsDeletedAtOnce() {
        UUID id = UUID.randomUUID();
        provisioner.delete(id);
        assertThat(events).contains(id + " deleted");
    }

    private static String decoded(Secret secret) {
        if (secret.getStringData() != null && secret.getStringData().containsKey("api-key-sha256")) {
            return secret.getStringData().get("api-key-sha256");
        }
        return new String(Base64.getDecoder().decode(secret.getData().get("api-key-sha256")), StandardCharsets.UTF_8);
    }


    private static <T> T awaitEvents(Supplier<T> probe) {
        return Awaits.await(probe, Duration.ofSeconds(20), () -> "events: " + events);
    }
}
