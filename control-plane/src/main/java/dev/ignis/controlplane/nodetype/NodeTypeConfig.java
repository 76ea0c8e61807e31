package dev.ignis.controlplane.nodetype;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import java.util.Map;

/**
 * The replica sizes deployments can choose, configured as {@code ignis.node-types.<name>.vcpus} and
 * {@code ignis.node-types.<name>.memory-mib}, plus the sizing rules that decide whether a model fits.
 */
@ConfigMapping(prefix = "ignis.node-types")
public interface NodeTypeConfig {

    @WithParentName
    Map<String, NodeType> nodeTypes();

    interface NodeType {
        int vcpus();

        long memoryMib();

        @WithDefault("")
        String description();
    }

    @ConfigMapping(prefix = "ignis.sizing")
    interface Sizing {
        /** Memory a runtime needs besides weights and KV cache: JVM, HTTP server, activations. */
        @WithDefault("512")
        long runtimeOverheadMib();

        /** Bytes per cached key or value element (4: the engine keeps its KV cache in 32-bit floats). */
        @WithDefault("4")
        int kvCacheBytesPerValue();
    }
}
