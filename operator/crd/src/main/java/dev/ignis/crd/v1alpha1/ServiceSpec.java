package dev.ignis.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.LinkedHashMap;
import java.util.Map;

/** How the runtime pods are exposed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServiceSpec {

    @JsonPropertyDescription("Service type; LoadBalancer by default, which enforces allowedSourceRanges at the"
            + " load balancer.")
    private Type type = Type.LoadBalancer;

    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("Port the Service listens on; 80 by default.")
    private int port = 80;

    @JsonPropertyDescription("Annotations for the Service, e.g. the cloud load balancer's settings.")
    private Map<String, String> annotations = new LinkedHashMap<>();

    /** Kubernetes Service types the operator can create. */
    public enum Type { ClusterIP, NodePort, LoadBalancer }

    public Type getType() {
        return type;
    }

    public void setType(Type type) {
        this.type = type;
    }

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public Map<String, String> getAnnotations() {
        return annotations;
    }

    public void setAnnotations(Map<String, String> annotations) {
        this.annotations = annotations;
    }
}
