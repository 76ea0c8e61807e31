package dev.ignis.controlplane.auth;

import dev.ignis.controlplane.problem.ProblemException;
import dev.ignis.controlplane.problem.ProblemType;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Every management route needs {@code Authorization: Bearer <key>}; health, metrics and OpenAPI do not. */
public class AuthFilter {

    private final AuthService auth;
    private final CurrentCaller current;

    AuthFilter(AuthService auth, CurrentCaller current) {
        this.auth = auth;
        this.current = current;
    }

    @ServerRequestFilter
    public void authenticate(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || header.isBlank()) {
            throw new ProblemException(ProblemType.UNAUTHORIZED,
                    "send an API key as 'Authorization: Bearer <key>'");
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ProblemException(ProblemType.UNAUTHORIZED, "the Authorization header must use the Bearer scheme");
        }
        Caller caller = auth.authenticate(header.substring(7).trim()).orElseThrow(() ->
                new ProblemException(ProblemType.UNAUTHORIZED, "the API key is unknown or revoked"));
        current.set(caller);
    }
}
