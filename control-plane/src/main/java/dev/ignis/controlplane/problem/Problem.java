package dev.ignis.controlplane.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An RFC 9457 problem details document, the one error body of the management API.
 *
 * @param type     a stable URI per kind of error, safe for clients to switch on
 * @param title    a short summary that does not change between occurrences
 * @param status   the HTTP status code
 * @param detail   a human explanation of this occurrence
 * @param instance the request path that failed
 * @param errors   for validation failures: each offending field path and what is wrong with it
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, String instance,
                      List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** One invalid input: a JSON path such as {@code replicas.min} or a query parameter name. */
    public record FieldError(String field, String message) {
    }
}
