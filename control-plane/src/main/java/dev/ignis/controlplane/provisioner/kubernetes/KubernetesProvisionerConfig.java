package dev.ignis.controlplane.provisioner.kubernetes;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Settings of the kubernetes provisioner, {@code ignis.kubernetes.*} (environment: {@code IGNIS_KUBERNETES_*}). */
@ConfigMapping(prefix = "ignis.kubernetes")
public interface KubernetesProvisionerConfig {

    /** The namespace the InferenceDeployments (and their key Secrets) are written to. */
    @WithDefault("default")
    String namespace();

    /** Runtime image for the pods; absent: the operator's default (the image of its own release). */
    Optional<String> runtimeImage();

    /** Service type of a deployment with a public endpoint (one with only a private endpoint gets ClusterIP). */
    @WithDefault("LoadBalancer")
    String publicServiceType();

    /** Delete InferenceDeployments labelled as ours whose deployment no longer exists (else only report them). */
    @WithDefault("false")
    boolean pruneOrphans();

    /** A PersistentVolumeClaim the pods cache models on, so restarts do not download again. */
    Optional<String> modelCacheClaim();

    /** The API server, overriding the service account's or kubeconfig's. */
    Optional<String> apiServerUrl();

    /** A bearer token for the API server, overriding the service account's or kubeconfig's. */
    Optional<String> token();

    /** Accept the API server's certificate without checking it (test clusters only). */
    @WithDefault("false")
    boolean trustCerts();
}
