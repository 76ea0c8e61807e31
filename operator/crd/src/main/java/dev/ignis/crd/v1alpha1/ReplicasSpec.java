package dev.ignis.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

/** Replica bounds and the autoscaling target. {@code kubectl scale} sets {@link #getMin() min}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.min <= self.max", message = "replicas.min must not exceed replicas.max")
public class ReplicasSpec {

    @Min(1)
    @Max(1000)
    @SpecReplicas
    @JsonPropertyDescription("Fewest runtime pods; also the count when min equals max (no autoscaler).")
    private int min = 1;

    @Min(1)
    @Max(1000)
    @JsonPropertyDescription("Most runtime pods the autoscaler may run.")
    private int max = 1;

    @Min(1)
    @Max(10000)
    @JsonPropertyDescription("Autoscaling target: active plus queued requests per pod, read from the runtime's"
            + " ignis_runtime_load metric through the custom metrics API. Unset: scale on CPU instead.")
    private Integer targetLoadPerPod;

    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Autoscaling target in percent of requested CPU, used when targetLoadPerPod is unset.")
    private int targetCpuUtilization = 80;

    public int getMin() {
        return min;
    }

    public void setMin(int min) {
        this.min = min;
    }

    public int getMax() {
        return max;
    }

    public void setMax(int max) {
        this.max = max;
    }

    public Integer getTargetLoadPerPod() {
        return targetLoadPerPod;
    }

    public void setTargetLoadPerPod(Integer targetLoadPerPod) {
        this.targetLoadPerPod = targetLoadPerPod;
    }

    public int getTargetCpuUtilization() {
        return targetCpuUtilization;
    }

    public void setTargetCpuUtilization(int targetCpuUtilization) {
        this.targetCpuUtilization = targetCpuUtilization;
    }
}
