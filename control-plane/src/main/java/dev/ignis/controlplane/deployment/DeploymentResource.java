package dev.ignis.controlplane.deployment;

import dev.ignis.controlplane.auth.CurrentCaller;
import dev.ignis.controlplane.paging.PageRequest;
import dev.ignis.controlplane.problem.ProblemException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/deployments")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Deployments")
public class DeploymentResource {

    private final DeploymentService deployments;
    private final CurrentCaller caller;

    DeploymentResource(DeploymentService deployments, CurrentCaller caller) {
        this.deployments = deployments;
        this.caller = caller;
    }

    /**
     * Creates a deployment. With an {@code Idempotency-Key}, a retried request returns the deployment the
     * first one created (marked {@code Idempotent-Replayed: true}) instead of creating another.
     */
    @POST
    public Response create(@Valid @NotNull DeploymentRequests.Create request,
                           @HeaderParam("Idempotency-Key") String idempotencyKey) {
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 255)) {
            throw ProblemException.invalid("Idempotency-Key", "must be 1 to 255 characters");
        }
        DeploymentService.Created created = deployments.create(caller.get(), request, idempotencyKey);
        DeploymentResponse d = created.deployment();
        return Response.created(URI.create("/v1/deployments/" + d.id())).entity(d)
                .header(HttpHeaders.ETAG, d.etag())
                .header("Idempotent-Replayed", created.replayed() ? "true" : null)
                .build();
    }

    @GET
    public DeploymentResponse.Page list(@QueryParam("name") String name, @QueryParam("status") String status,
                                        @QueryParam("model") String model, @QueryParam("tag") String tag,
                                        @QueryParam("order_by") String orderBy, @QueryParam("page") String page,
                                        @QueryParam("page_size") String pageSize) {
        return deployments.list(caller.get(), name, status, model, tag, orderBy, PageRequest.of(page, pageSize));
    }

    @GET
    @Path("{id}")
    public Response get(@PathParam("id") UUID id) {
        DeploymentResponse d = deployments.get(caller.get(), id);
        return Response.ok(d).header(HttpHeaders.ETAG, d.etag()).build();
    }

    /** Partial update. Send the ETag of the version you read as {@code If-Match}; a stale one gets 412. */
    @PATCH
    @Path("{id}")
    public Response update(@PathParam("id") UUID id, @Valid @NotNull DeploymentRequests.Update request,
                           @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch) {
        DeploymentResponse d = deployments.update(caller.get(), id, request, ifMatch);
        return Response.ok(d).header(HttpHeaders.ETAG, d.etag()).build();
    }

    /** Starts deletion: the deployment is {@code deleting} until its replicas are gone, then disappears. */
    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") UUID id) {
        return Response.accepted(deployments.delete(caller.get(), id)).build();
    }

    @GET
    @Path("{id}/events")
    public DeploymentEventResponse.Page events(@PathParam("id") UUID id, @QueryParam("page") String page,
                                               @QueryParam("page_size") String pageSize) {
        return deployments.events(caller.get(), id, PageRequest.of(page, pageSize));
    }

    /** Admin only: freeze the deployment (it keeps serving) until {@code unlock}. */
    @POST
    @Path("{id}/lock")
    public DeploymentResponse lock(@PathParam("id") UUID id) {
        return deployments.lock(caller.get(), id, true);
    }

    @POST
    @Path("{id}/unlock")
    public DeploymentResponse unlock(@PathParam("id") UUID id) {
        return deployments.lock(caller.get(), id, false);
    }
}
