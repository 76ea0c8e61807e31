package dev.ignis.controlplane.nodetype;

import dev.ignis.controlplane.problem.ProblemException;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The configured node types and the arithmetic of what fits on one. */
@ApplicationScoped
public class NodeTypeService {

    private static final long MIB = 1024L * 1024;

    private final NodeTypeConfig config;
    private final NodeTypeConfig.Sizing sizing;

    NodeTypeService(NodeTypeConfig config, NodeTypeConfig.Sizing sizing) {
        this.config = config;
        this.sizing = sizing;
    }

    void validate(@Observes StartupEvent event) {
        if (config.nodeTypes().isEmpty()) {
            throw new IllegalStateException("ignis.node-types is empty: configure at least one node type");
        }
        config.nodeTypes().forEach((name, type) -> {
            if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                throw new IllegalStateException("ignis.node-types." + name + ": names are lower-case letters, digits, '-'");
            }
            if (type.vcpus() < 1 || type.memoryMib() < 256) {
                throw new IllegalStateException("ignis.node-types." + name
                        + ": vcpus must be at least 1 and memory-mib at least 256");
            }
        });
    }

    public List<NodeTypeResponse> list() {
        return config.nodeTypes().entrySet().stream()
                .map(e -> response(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingLong(NodeTypeResponse::memoryBytes).thenComparing(NodeTypeResponse::name))
                .toList();
    }

    public Optional<NodeTypeResponse> find(String name) {
        return Optional.ofNullable(config.nodeTypes().get(name)).map(t -> response(name, t));
    }

    public NodeTypeResponse require(String name, String field) {
        return find(name).orElseThrow(() -> ProblemException.invalid(field,
                "unknown node type '" + name + "'; one of " + config.nodeTypes().keySet().stream().sorted().toList()));
    }

    /** Bytes a replica needs: weights at the chosen precision, the KV cache for its context, the runtime. */
    public Footprint footprint(long weightBytes, int layers, int kvWidth, int contextSize, int slots) {
        long kv = 2L * layers * kvWidth * (long) contextSize * Math.max(1, slots)
                * sizing.kvCacheBytesPerValue();
        return new Footprint(weightBytes, kv, sizing.runtimeOverheadMib() * MIB);
    }

    public record Footprint(long weightBytes, long kvCacheBytes, long overheadBytes) {
        public long total() {
            return weightBytes + kvCacheBytes + overheadBytes;
        }
    }

    private static NodeTypeResponse response(String name, NodeTypeConfig.NodeType t) {
        return new NodeTypeResponse(name, t.vcpus(), t.memoryMib() * MIB, t.description());
    }

    Map<String, NodeTypeConfig.NodeType> all() {
        return config.nodeTypes();
    }
}
