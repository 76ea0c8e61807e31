package dev.ignis.controlplane.endpointkey;

import dev.ignis.controlplane.auth.CurrentCaller;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Keys for calling a deployment's endpoints, separate from management API keys. */
@Path("/v1/deployments/{id}/keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Endpoint keys")
public class EndpointKeyResource {

    private final EndpointKeyService keys;
    private final CurrentCaller caller;

    EndpointKeyResource(EndpointKeyService keys, CurrentCaller caller) {
        this.keys = keys;
        this.caller = caller;
    }

    @GET
    public EndpointKeyResponse.Page list(@PathParam("id") UUID id) {
        return keys.list(caller.get(), id);
    }

    /** The response holds the secret; it is never shown again. */
    @POST
    public Response create(@PathParam("id") UUID id, @Valid @NotNull EndpointKeyRequest request) {
        EndpointKeyResponse created = keys.create(caller.get(), id, request);
        return Response.created(URI.create("/v1/deployments/" + id + "/keys/" + created.id())).entity(created).build();
    }

    @DELETE
    @Path("{keyId}")
    public Response revoke(@PathParam("id") UUID id, @PathParam("keyId") UUID keyId) {
        keys.revoke(caller.get(), id, keyId);
        return Response.noContent().build();
    }
}
