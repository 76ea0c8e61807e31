package dev.ignis.crd.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One model variant served as an OpenAI-compatible endpoint by a set of runtime pods behind a load balancer
 * that admits only {@link InferenceDeploymentSpec#getAllowedSourceRanges() the allowed source ranges}.
 * Written by the control plane's kubernetes provisioner or applied directly with kubectl.
 */
@Group(InferenceDeployment.GROUP)
@Version(InferenceDeployment.VERSION)
@Kind("InferenceDeployment")
@Singular("inferencedeployment")
@Plural("inferencedeployments")
@ShortNames("infd")
@AdditionalPrinterColumn(name = "Model", jsonPath = ".spec.model.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Quantization", jsonPath = ".spec.model.quantization",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.ready", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Endpoint", jsonPath = ".status.endpoint", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class InferenceDeployment extends CustomResource<InferenceDeploymentSpec, InferenceDeploymentStatus>
        implements Namespaced {

    public static final String GROUP = "ignis.dev";
    public static final String VERSION = "v1alpha1";

    // No initStatus(): a new resource carries no status (the API server would drop one on create anyway), and
    // only the operator writes it.
}
