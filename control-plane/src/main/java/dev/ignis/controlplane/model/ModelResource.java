package dev.ignis.controlplane.model;

import dev.ignis.controlplane.auth.CurrentCaller;
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

@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Models")
public class ModelResource {

    private final ModelService models;
    private final CurrentCaller caller;

    ModelResource(ModelService models, CurrentCaller caller) {
        this.models = models;
        this.caller = caller;
    }

    /** Public models plus the caller's project's custom ones, by name; filters combine. */
    @GET
    public ModelResponse.Page list(@QueryParam("name") String name, @QueryParam("task") String task,
                                   @QueryParam("tag") String tag, @QueryParam("page") String page,
                                   @QueryParam("page_size") String pageSize) {
        return models.list(caller.get(), name, task, tag, PageRequest.of(page, pageSize));
    }

    @GET
    @Path("{id}")
    public ModelResponse get(@PathParam("id") UUID id) {
        return models.get(caller.get(), id);
    }

    /** Imports a custom model; it is {@code preparing} until its source has been read. */
    @POST
    public Response importModel(@Valid @NotNull ModelImportRequest request) {
        ModelResponse created = models.importModel(caller.get(), request);
        return Response.created(URI.create("/v1/models/" + created.id())).entity(created).build();
    }

    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") UUID id) {
        models.delete(caller.get(), id);
        return Response.noContent().build();
    }
}
