package dev.ignis.controlplane.nodetype;

import java.util.List;

/** A replica size: what each runtime pod or process of a deployment gets. */
public record NodeTypeResponse(String name, int vcpus, long memoryBytes, String description) {

    public record Page(List<NodeTypeResponse> nodeTypes, long totalCount) {
    }
}
