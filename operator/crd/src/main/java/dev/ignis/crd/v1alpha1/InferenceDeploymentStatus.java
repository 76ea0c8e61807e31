package dev.ignis.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator observed, built by the status aggregator from the owned objects. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class InferenceDeploymentStatus {

    public static final String READY = "Ready";
    public static final String PROGRESSING = "Progressing";
    public static final String MODEL_READY = "ModelReady";
    public static final String DEGRADED = "Degraded";

    @JsonPropertyDescription("Summary of the conditions: Pending, Progressing, Ready or Degraded.")
    private Phase phase;

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready, Progressing, ModelReady and Degraded, each with the generation it describes.")
    private List<Condition> conditions = new ArrayList<>();

    @StatusReplicas
    @JsonPropertyDescription("Runtime pods that exist.")
    private Integer replicas;

    @JsonPropertyDescription("Runtime pods whose model is loaded and that pass readiness.")
    private Integer readyReplicas;

    @JsonPropertyDescription("readyReplicas/desired replicas, for kubectl get.")
    private String ready;

    @JsonPropertyDescription("The endpoint's base URL (the load balancer's address once assigned).")
    private String endpoint;

    @LabelSelector
    @JsonPropertyDescription("Label selector of the runtime pods (for the scale subresource).")
    private String selector;

    /** The summary kubectl shows. */
    public enum Phase { Pending, Progressing, Ready, Degraded }

    public Phase getPhase() {
        return phase;
    }

    public void setPhase(Phase phase) {
        this.phase = phase;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    public Integer getReadyReplicas() {
        return readyReplicas;
    }

    public void setReadyReplicas(Integer readyReplicas) {
        this.readyReplicas = readyReplicas;
    }

    public String getReady() {
        return ready;
    }

    public void setReady(String ready) {
        this.ready = ready;
    }

    public String getEndpoint() {
        return endpoint;
    }

    public void setEndpoint(String endpoint) {
        this.endpoint = endpoint;
    }

    public String getSelector() {
        return selector;
    }

    public void setSelector(String selector) {
        this.selector = selector;
    }

    /** The condition of that type, if present. */
    public Condition condition(String type) {
        return conditions.stream().filter(c -> Objects.equals(c.getType(), type)).findFirst().orElse(null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InferenceDeploymentStatus s && phase == s.phase
                && Objects.equals(observedGeneration, s.observedGeneration)
                && Objects.equals(conditions, s.conditions) && Objects.equals(replicas, s.replicas)
                && Objects.equals(readyReplicas, s.readyReplicas) && Objects.equals(ready, s.ready)
                && Objects.equals(endpoint, s.endpoint) && Objects.equals(selector, s.selector);
    }

    @Override
    public int hashCode() {
        return Objects.hash(phase, observedGeneration, conditions, replicas, readyReplicas, endpoint);
    }
}
