package dev.ignis.controlplane.nodetype;

import dev.ignis.controlplane.auth.CurrentCaller;
import dev.ignis.controlplane.problem.ProblemException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/node-types")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Node types")
public class NodeTypeResource {

    private final NodeTypeService nodeTypes;
    private final CurrentCaller caller;

    NodeTypeResource(NodeTypeService nodeTypes, CurrentCaller caller) {
        this.nodeTypes = nodeTypes;
        this.caller = caller;
    }

    @GET
    public NodeTypeResponse.Page list() {
        caller.get();
        List<NodeTypeResponse> all = nodeTypes.list();
        return new NodeTypeResponse.Page(all, all.size());
    }

    @GET
    @Path("{name}")
    public NodeTypeResponse get(@PathParam("name") String name) {
        caller.get();
        return nodeTypes.find(name).orElseThrow(() -> ProblemException.notFound("node type", name));
    }
}
