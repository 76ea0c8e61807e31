package dev.ignis.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The runtime image; unset fields take the operator's defaults (the image of its own release). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RuntimeSpec {

    @JsonPropertyDescription("Runtime container image; the operator's default (same release) when unset.")
    private String image;

    @JsonPropertyDescription("Image pull policy.")
    private PullPolicy imagePullPolicy;

    /** Kubernetes image pull policies. */
    public enum PullPolicy { Always, IfNotPresent, Never }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public PullPolicy getImagePullPolicy() {
        return imagePullPolicy;
    }

    public void setImagePullPolicy(PullPolicy imagePullPolicy) {
        this.imagePullPolicy = imagePullPolicy;
    }
}
