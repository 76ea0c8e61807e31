package dev.ignis.controlplane.acl;

import dev.ignis.controlplane.auth.CurrentCaller;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The allowed IPs of a deployment. An empty list means every address may connect. */
@Path("/v1/deployments/{id}/acls")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Allowed IPs")
public class AclResource {

    private final AclService acls;
    private final CurrentCaller caller;

    AclResource(AclService acls, CurrentCaller caller) {
        this.acls = acls;
        this.caller = caller;
    }

    @GET
    public AclResponse.Page list(@PathParam("id") UUID id) {
        return acls.list(caller.get(), id);
    }

    /** Adds rules to the list (all or none); returns the rules added. */
    @POST
    public Response add(@PathParam("id") UUID id, @Valid @NotNull AclRequest request) {
        return Response.status(Response.Status.CREATED).entity(acls.add(caller.get(), id, request)).build();
    }

    /** Replaces the whole list; an empty list opens the deployment to every address. */
    @PUT
    public AclResponse.Page replace(@PathParam("id") UUID id, @Valid @NotNull AclRequest request) {
        return acls.replace(caller.get(), id, request);
    }

    @DELETE
    @Path("{aclId}")
    public Response delete(@PathParam("id") UUID id, @PathParam("aclId") UUID aclId) {
        acls.delete(caller.get(), id, aclId);
        return Response.noContent().build();
    }
}
