package dev.ignis.controlplane.provisioner.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

/**
 * The Kubernetes client of the kubernetes provisioner, made only when that provisioner is chosen. Fabric8's
 * usual discovery applies (a pod's service account, {@code KUBECONFIG} or {@code ~/.kube/config}), and
 * {@code ignis.kubernetes.api-server-url}, {@code token} and {@code trust-certs} override it.
 */
@ApplicationScoped
class KubernetesClientProducer {

    @Produces
    @ApplicationScoped
    KubernetesClient client(KubernetesProvisionerConfig config) {
        Config base = Config.autoConfigure(null);
        config.apiServerUrl().ifPresent(base::setMasterUrl);
        config.token().ifPresent(base::setOauthToken);
        if (config.trustCerts()) {
            base.setTrustCerts(true);
            base.setDisableHostnameVerification(true);
        }
        return new KubernetesClientBuilder().withConfig(base).build();
    }

    void close(@Disposes KubernetesClient client) {
        client.close();
    }
}
