package dev.ignis.controlplane.deployment;

import dev.ignis.controlplane.model.ModelEntity;
import dev.ignis.controlplane.model.ModelService;
import dev.ignis.controlplane.nodetype.NodeTypeResponse;
import dev.ignis.controlplane.nodetype.NodeTypeService;
import dev.ignis.controlplane.problem.Problem;
import dev.ignis.controlplane.problem.ProblemException;
import dev.ignis.controlplane.problem.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Locale;

/** Whether a model variant with a context size fits a node type, with the numbers when it does not. */
@ApplicationScoped
public class DeploymentSizing {

    private final NodeTypeService nodeTypes;

    DeploymentSizing(NodeTypeService nodeTypes) {
        this.nodeTypes = nodeTypes;
    }

    NodeTypeResponse nodeType(String name, String field) {
        return nodeTypes.require(name, field);
    }

    void check(ModelService.Variant variant, NodeTypeResponse nodeType, int contextSize, int slots, String field) {
        ModelEntity model = variant.model();
        if (model.maxContext != null && contextSize > model.maxContext) {
            throw ProblemException.invalid("context_size", "model '" + model.name + "' supports at most "
                    + model.maxContext + " tokens of context, not " + contextSize);
        }
        NodeTypeService.Footprint f = footprint(model, variant, contextSize, slots);
        if (f.total() > nodeType.memoryBytes()) {
            throw new ProblemException(ProblemType.NODE_TYPE_TOO_SMALL, String.format(Locale.ROOT,
                    "%s needs %s of weights + %s of KV cache (%d tokens x %d slots) + %s for the runtime = %s per "
                            + "replica, but node type %s has %s; choose a larger node type, a smaller quantization "
                            + "or a shorter context",
                    variant.name(), gib(f.weightBytes()), gib(f.kvCacheBytes()), contextSize, slots,
                    gib(f.overheadBytes()), gib(f.total()), nodeType.name(), gib(nodeType.memoryBytes())),
                    List.of(new Problem.FieldError(field, "does not fit node type " + nodeType.name())));
        }
    }

    DeploymentResponse.Footprint footprint(DeploymentEntity d, ModelEntity model) {
        NodeTypeService.Footprint f = footprint(model, new ModelService.Variant(model, d.quantization), d.contextSize,
                d.slots == null ? DeploymentService.DEFAULT_SLOTS : d.slots);
        long nodeMemory = nodeTypes.find(d.nodeType).map(NodeTypeResponse::memoryBytes).orElse(0L);
        return new DeploymentResponse.Footprint(f.weightBytes(), f.kvCacheBytes(), f.overheadBytes(), f.total(),
                nodeMemory);
    }

    private NodeTypeService.Footprint footprint(ModelEntity model, ModelService.Variant variant, int contextSize,
                                                int slots) {
        long weights = model.parameterCount == null ? 0 : variant.quantization().weightBytes(model.parameterCount);
        int layers = model.layerCount == null ? 0 : model.layerCount;
        int kvWidth = model.kvWidth == null ? 0 : model.kvWidth;
        return nodeTypes.footprint(weights, layers, kvWidth, contextSize, slots);
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
