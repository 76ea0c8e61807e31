package dev.ignis.controlplane.auth;

import dev.ignis.controlplane.problem.ProblemException;
import dev.ignis.controlplane.problem.ProblemType;
import jakarta.enterprise.context.RequestScoped;

/** The authenticated caller of the current request, set by {@link AuthFilter}. */
@RequestScoped
public class CurrentCaller {

    private Caller caller;

    void set(Caller caller) {
        this.caller = caller;
    }

    public Caller get() {
        if (caller == null) {
            throw new ProblemException(ProblemType.UNAUTHORIZED, "send an API key as 'Authorization: Bearer <key>'");
        }
        return caller;
    }

    public Caller requireAdmin() {
        Caller c = get();
        if (!c.admin()) {
            throw new ProblemException(ProblemType.FORBIDDEN, "only an admin API key may do this");
        }
        return c;
    }
}
