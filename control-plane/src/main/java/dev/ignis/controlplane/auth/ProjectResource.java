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

@Path("/v1/projects")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Projects and API keys")
public class ProjectResource {

    private final ProjectService projects;
    private final CurrentCaller caller;

    ProjectResource(ProjectService projects, CurrentCaller caller) {
        this.projects = projects;
        this.caller = caller;
    }

    @GET
    public ProjectResponse.Page list(@QueryParam("page") String page, @QueryParam("page_size") String pageSize) {
        return projects.list(caller.get(), PageRequest.of(page, pageSize));
    }

    @POST
    public Response create(@Valid @NotNull ProjectRequest request) {
        ProjectResponse created = projects.create(caller.get(), request);
        return Response.created(URI.create("/v1/projects/" + created.id())).entity(created).build();
    }

    @GET
    @Path("{id}")
    public ProjectResponse get(@PathParam("id") UUID id) {
        return projects.get(caller.get(), id);
    }

    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") UUID id) {
        projects.delete(caller.get(), id);
        return Response.noContent().build();
    }
}
