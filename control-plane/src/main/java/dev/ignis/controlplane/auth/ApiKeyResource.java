package dev.ignis.controlplane.auth;

import dev.ignis.controlplane.paging.PageRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/api-keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Projects and API keys")
public class ApiKeyResource {

    private final ProjectService projects;
    private final CurrentCaller caller;

    ApiKeyResource(ProjectService projects, CurrentCaller caller) {
        this.projects = projects;
        this.caller = caller;
    }

    @GET
    public ApiKeyResponse.Page list(@QueryParam("project_id") UUID projectId, @QueryParam("page") String page,
                                    @QueryParam("page_size") String pageSize) {
        return projects.listKeys(caller.get(), projectId, PageRequest.of(page, pageSize));
    }

    /** The response holds the secret; it is never shown again. */
    @POST
    public Response create(@Valid @NotNull ApiKeyRequest request) {
        ApiKeyResponse created = projects.createKey(caller.get(), request);
        return Response.created(URI.create("/v1/api-keys/" + created.id())).entity(created).build();
    }

    @DELETE
    @Path("{id}")
    public Response revoke(@PathParam("id") UUID id) {
        projects.revokeKey(caller.get(), id);
        return Response.noContent().build();
    }
}
