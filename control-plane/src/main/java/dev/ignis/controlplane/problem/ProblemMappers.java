package dev.ignis.controlplane.problem;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every failure, including the framework's own (unknown route, wrong method, unsupported media
 * type, unreadable JSON), into an RFC 9457 problem. Clients never see a class name or a stack trace.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e, HttpServerRequest request) {
        return respond(e.type(), e.getMessage(), request, e.errors());
    }

    @ServerExceptionMapper
    public Response constraintViolation(ConstraintViolationException e, HttpServerRequest request) {
        List<Problem.FieldError> errors = new ArrayList<>();
        for (ConstraintViolation<?> violation : e.getConstraintViolations()) {
            errors.add(new Problem.FieldError(fieldPath(violation.getPropertyPath()), violation.getMessage()));
        }
        errors.sort(Comparator.comparing(Problem.FieldError::field));
        String detail = errors.stream().map(f -> f.field() + ": " + f.message())
                .reduce((a, b) -> a + "; " + b).orElse("invalid input");
        return respond(ProblemType.VALIDATION_FAILED, detail, request, errors);
    }

    @ServerExceptionMapper
    public Response unreadableJson(JsonParseException e, HttpServerRequest request) {
        return respond(ProblemType.MALFORMED_REQUEST,
                "request body is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr() + ")", request, List.of());
    }

    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e, HttpServerRequest request) {
        return jsonMapping(e, request);
    }

    @ServerExceptionMapper
    public Response invalidFormat(InvalidFormatException e, HttpServerRequest request) {
        return jsonMapping(e, request);
    }

    @ServerExceptionMapper
    public Response unrecognizedProperty(UnrecognizedPropertyException e, HttpServerRequest request) {
        return jsonMapping(e, request);
    }

    @ServerExceptionMapper
    public Response jsonMapping(JsonMappingException e, HttpServerRequest request) {
        String field = jsonPath(e);
        String message;
        if (e instanceof UnrecognizedPropertyException) {
            message = "unknown field";
        } else if (e instanceof InvalidFormatException ife) {
            message = "cannot read value '" + ife.getValue() + "' as " + simpleTypeName(ife.getTargetType());
        } else if (e instanceof MismatchedInputException mie && mie.getTargetType() != null) {
            message = "expected " + simpleTypeName(mie.getTargetType());
        } else {
            message = "unreadable value";
        }
        if (field.isEmpty()) {
            return respond(ProblemType.MALFORMED_REQUEST, "request body does not match the expected JSON object: "
                    + message, request, List.of());
        }
        return respond(ProblemType.VALIDATION_FAILED, field + ": " + message, request,
                List.of(new Problem.FieldError(field, message)));
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, HttpServerRequest request) {
        return respond(ProblemType.MALFORMED_REQUEST, "request body is not valid JSON", request, List.of());
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, HttpServerRequest request) {
        int status = e.getResponse().getStatus();
        String method = request.method().name();
        String path = request.path();
        return switch (status) {
            case 404 -> respond(ProblemType.NOT_FOUND, "no resource at " + method + " " + path, request, List.of());
            case 405 -> respond(ProblemType.METHOD_NOT_ALLOWED, method + " is not supported on " + path, request,
                    List.of());
            case 406 -> respond(ProblemType.NOT_ACCEPTABLE, "this resource answers application/json only", request,
                    List.of());
            case 415 -> respond(ProblemType.UNSUPPORTED_MEDIA_TYPE, "send the request body as application/json",
                    request, List.of());
            case 401 -> respond(ProblemType.UNAUTHORIZED, "send an API key as 'Authorization: Bearer <key>'",
                    request, List.of());
            case 403 -> respond(ProblemType.FORBIDDEN, "this API key may not do that", request, List.of());
            default -> {
                if (status >= 500) {
                    LOG.errorf(e, "%s %s failed", method, path);
                    yield respond(ProblemType.INTERNAL, "the server failed to handle the request", request, List.of());
                }
                yield respond(ProblemType.MALFORMED_REQUEST, "the request could not be processed (HTTP " + status
                        + ")", request, List.of(), status);
            }
        };
    }

    /** A constraint the service did not foresee (a race it lost): a conflict to retry, not a server error. */
    @ServerExceptionMapper
    public Response persistence(jakarta.persistence.PersistenceException e, HttpServerRequest request) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.hibernate.exception.ConstraintViolationException) {
                LOG.debugf(e, "%s %s lost a race", request.method().name(), request.path());
                return respond(ProblemType.CONFLICT, "the request conflicts with a concurrent change; retry it",
                        request, List.of());
            }
        }
        return unexpected(e, request);
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, HttpServerRequest request) {
        LOG.errorf(e, "%s %s failed", request.method().name(), request.path());
        return respond(ProblemType.INTERNAL, "the server failed to handle the request", request, List.of());
    }

    private static Response respond(ProblemType type, String detail, HttpServerRequest request,
                                    List<Problem.FieldError> errors) {
        return respond(type, detail, request, errors, type.status());
    }

    private static Response respond(ProblemType type, String detail, HttpServerRequest request,
                                    List<Problem.FieldError> errors, int status) {
        Problem body = new Problem(type.uri(), type.title(), status, detail, request.path(), errors);
        Response.ResponseBuilder response = Response.status(status).type(Problem.MEDIA_TYPE).entity(body);
        if (status == 401) {
            response.header("WWW-Authenticate", "Bearer realm=\"ignis\"");
        }
        return response.build();
    }

    /** {@code create.request.replicas.min} becomes {@code replicas.min}: the method and parameter go. */
    private static String fieldPath(Path path) {
        List<String> names = new ArrayList<>();
        for (Path.Node node : path) {
            switch (node.getKind()) {
                case METHOD, PARAMETER, RETURN_VALUE, CROSS_PARAMETER -> {
                }
                default -> {
                    String name = node.getName();
                    if (name == null) {
                        continue;
                    }
                    name = snakeCase(name);
                    if (node.getIndex() != null) {
                        name = "[" + node.getIndex() + "]." + name;
                    }
                    names.add(name);
                }
            }
        }
        if (names.isEmpty()) {
            // A violation on a query or path parameter: its name is the parameter's.
            for (Path.Node node : path) {
                if (node.getKind() == jakarta.validation.ElementKind.PARAMETER) {
                    names.add(node.getName());
                }
            }
        }
        return String.join(".", names).replace(".[", "[");
    }

    /** Bean Validation names Java properties; clients know the JSON names. */
    private static String snakeCase(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static String jsonPath(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String simpleTypeName(Class<?> type) {
        if (type == null) {
            return "value";
        }
        if (type.isEnum()) {
            List<String> values = new ArrayList<>();
            for (Object constant : type.getEnumConstants()) {
                values.add(constant.toString());
            }
            return "one of " + values;
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }
}
