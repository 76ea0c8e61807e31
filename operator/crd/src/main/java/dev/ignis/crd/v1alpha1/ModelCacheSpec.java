package dev.ignis.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Quantity;

/** Where downloaded model files live in a pod. A PVC keeps them across restarts (no re-download). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelCacheSpec {

    @JsonPropertyDescription("PersistentVolumeClaim to cache models on (ReadWriteMany when replicas share it).")
    private String persistentVolumeClaim;

    @JsonPropertyDescription("Size limit of the emptyDir cache used when no claim is named.")
    private Quantity sizeLimit;

    public String getPersistentVolumeClaim() {
        return persistentVolumeClaim;
    }

    public void setPersistentVolumeClaim(String persistentVolumeClaim) {
        this.persistentVolumeClaim = persistentVolumeClaim;
    }

    public Quantity getSizeLimit() {
        return sizeLimit;
    }

    public void setSizeLimit(Quantity sizeLimit) {
        this.sizeLimit = sizeLimit;
    }
}
