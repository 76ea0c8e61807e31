package dev.ignis.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Settings of the inference engine in each pod; unset ones take the runtime's defaults. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EngineSpec {

    @Min(1)
    @Max(256)
    @JsonPropertyDescription("Sequences decoded together in one pass over the weights (continuous batching).")
    private Integer slots;

    @Min(0)
    @Max(100000)
    @JsonPropertyDescription("Requests that may wait for a slot; more are refused with 429.")
    private Integer queueSize;

    @Min(1)
    @Max(256)
    @JsonPropertyDescription("Threads the engine computes with; unset means one per CPU the pod may use.")
    private Integer threads;

    public Integer getSlots() {
        return slots;
    }

    public void setSlots(Integer slots) {
        this.slots = slots;
    }

    public Integer getQueueSize() {
        return queueSize;
    }

    public void setQueueSize(Integer queueSize) {
        this.queueSize = queueSize;
    }

    public Integer getThreads() {
        return threads;
    }

    public void setThreads(Integer threads) {
        this.threads = threads;
    }
}
