package dev.ignis.controlplane.problem;

import jakarta.ws.rs.core.Response.Status;

/**
 * Every kind of error the management API reports. The {@link #uri()} is part of the API contract:
 * clients switch on it, so a constant is never renamed once released.
 */
public enum ProblemType {
    MALFORMED_REQUEST("malformed-request", "Malformed request", Status.BAD_REQUEST),
    VALIDATION_FAILED("validation-failed", "Invalid input", Status.BAD_REQUEST),
    UNAUTHORIZED("unauthorized", "Missing or invalid API key", Status.UNAUTHORIZED),
    FORBIDDEN("forbidden", "Not allowed for this API key", Status.FORBIDDEN),
    NOT_FOUND("not-found", "Resource not found", Status.NOT_FOUND),
    METHOD_NOT_ALLOWED("method-not-allowed", "Method not allowed", Status.METHOD_NOT_ALLOWED),
    NOT_ACCEPTABLE("not-acceptable", "Not acceptable", Status.NOT_ACCEPTABLE),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type", Status.UNSUPPORTED_MEDIA_TYPE),
    CONFLICT("conflict", "Conflict with the current state", Status.CONFLICT),
    NAME_TAKEN("name-taken", "Name already in use", Status.CONFLICT),
    MODEL_IN_USE("model-in-use", "Model is used by a deployment", Status.CONFLICT),
    MODEL_NOT_READY("model-not-ready", "Model is not ready", Status.CONFLICT),
    PROJECT_NOT_EMPTY("project-not-empty", "Project still has resources", Status.CONFLICT),
    DEPLOYMENT_LOCKED("deployment-locked", "Deployment is locked", Status.CONFLICT),
    DEPLOYMENT_DELETING("deployment-deleting", "Deployment is being deleted", Status.CONFLICT),
    DUPLICATE_ACL("duplicate-acl", "Allowed IP range already listed", Status.CONFLICT),
    TOO_MANY_ACLS("too-many-acls", "Too many allowed IP ranges", Status.CONFLICT),
    QUANTIZATION_UNAVAILABLE("quantization-unavailable", "Quantization not available for this model",
            Status.BAD_REQUEST),
    NODE_TYPE_TOO_SMALL("node-type-too-small", "Model does not fit the node type", Status.BAD_REQUEST),
    IDEMPOTENCY_KEY_REUSED("idempotency-key-reused", "Idempotency key reused with a different request",
            422),
    PRECONDITION_FAILED("precondition-failed", "Resource changed since it was read",
            Status.PRECONDITION_FAILED),
    INTERNAL("internal", "Internal error", Status.INTERNAL_SERVER_ERROR);

    private static final String BASE = "https://ignis.dev/problems/";

    private final String slug;
    private final String title;
    private final int status;

    ProblemType(String slug, String title, Status status) {
        this(slug, title, status.getStatusCode());
    }

    ProblemType(String slug, String title, int status) {
        this.slug = slug;
        this.title = title;
        this.status = status;
    }

    public String uri() {
        return BASE + slug;
    }

    public String title() {
        return title;
    }

    public int status() {
        return status;
    }
}
