package dev.ignis.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the user asked for. Every field here is described in the generated CRD schema. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class InferenceDeploymentSpec {

    /** The most allowed source ranges one deployment takes (the control plane enforces the same limit). */
    public static final int MAX_SOURCE_RANGES = 64;

    @Required
    @JsonPropertyDescription("The model to serve and the quantization to serve it at.")
    private ModelSpec model;

    @JsonPropertyDescription("How many runtime pods serve the model; autoscaled between min and max.")
    private ReplicasSpec replicas = new ReplicasSpec();

    @JsonPropertyDescription("CPU and memory requests and limits of each runtime container.")
    private ResourceRequirements resources;

    @Min(0)
    @Max(1048576)
    @JsonPropertyDescription("Context size in tokens each sequence may use; 0 means the model's maximum.")
    private Integer contextSize;

    @JsonPropertyDescription("Inference engine settings of each runtime pod.")
    private EngineSpec engine;

    @Size(max = MAX_SOURCE_RANGES)
    @ValidationRule(value = "self.all(r, isCIDR(r) && cidr(r) == cidr(r).masked())",
            message = "every allowed source range must be an IPv4 or IPv6 CIDR with no host bits set")
    @JsonPropertyDescription("IPv4/IPv6 CIDRs (e.g. 203.0.113.0/24, 2001:db8::/32) that may reach the endpoint;"
            + " enforced by the load balancer, a NetworkPolicy and the runtime. Empty means every address.")
    private List<String> allowedSourceRanges = new ArrayList<>();

    @Required
    @JsonPropertyDescription("Endpoint key authentication: a Secret with the keys' SHA-256 hashes, or disabled.")
    private AuthSpec auth;

    @JsonPropertyDescription("The Service that exposes the runtime pods.")
    private ServiceSpec service;

    @JsonPropertyDescription("The runtime container image.")
    private RuntimeSpec runtime;

    @JsonPropertyDescription("Where the model file is cached in each pod; an emptyDir unless a PVC is named.")
    private ModelCacheSpec modelCache;

    @JsonPropertyDescription("Node labels the runtime pods must match.")
    private Map<String, String> nodeSelector = new LinkedHashMap<>();

    @JsonPropertyDescription("Tolerations of the runtime pods.")
    private List<Toleration> tolerations = new ArrayList<>();

    public ModelSpec getModel() {
        return model;
    }

    public void setModel(ModelSpec model) {
        this.model = model;
    }

    public ReplicasSpec getReplicas() {
        return replicas;
    }

    public void setReplicas(ReplicasSpec replicas) {
        this.replicas = replicas;
    }

    public ResourceRequirements getResources() {
        return resources;
    }

    public void setResources(ResourceRequirements resources) {
        this.resources = resources;
    }

    public Integer getContextSize() {
        return contextSize;
    }

    public void setContextSize(Integer contextSize) {
        this.contextSize = contextSize;
    }

    public EngineSpec getEngine() {
        return engine;
    }

    public void setEngine(EngineSpec engine) {
        this.engine = engine;
    }

    public List<String> getAllowedSourceRanges() {
        return allowedSourceRanges;
    }

    public void setAllowedSourceRanges(List<String> allowedSourceRanges) {
        this.allowedSourceRanges = allowedSourceRanges;
    }

    public AuthSpec getAuth() {
        return auth;
    }

    public void setAuth(AuthSpec auth) {
        this.auth = auth;
    }

    public ServiceSpec getService() {
        return service;
    }

    public void setService(ServiceSpec service) {
        this.service = service;
    }

    public RuntimeSpec getRuntime() {
        return runtime;
    }

    public void setRuntime(RuntimeSpec runtime) {
        this.runtime = runtime;
    }

    public ModelCacheSpec getModelCache() {
        return modelCache;
    }

    public void setModelCache(ModelCacheSpec modelCache) {
        this.modelCache = modelCache;
    }

    public Map<String, String> getNodeSelector() {
        return nodeSelector;
    }

    public void setNodeSelector(Map<String, String> nodeSelector) {
        this.nodeSelector = nodeSelector;
    }

    public List<Toleration> getTolerations() {
        return tolerations;
    }

    public void setTolerations(List<Toleration> tolerations) {
        this.tolerations = tolerations;
    }
}
