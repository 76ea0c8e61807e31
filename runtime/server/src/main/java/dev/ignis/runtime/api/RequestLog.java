package dev.ignis.runtime.api;

import com.fasterxml.jackson.databind.node.TextNode;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * One line per API request on the logger {@value #CATEGORY}, in {@code key=value} form: id, method, route,
 * status, token counts, time to first token, total time and finish reason. The prompt text is left out unless
 * {@code ignis.runtime.log-prompts} is set. The line is written once the response is over (or the client has
 * gone) and, for a generation, every choice has ended, so a cancelled stream's tokens are counted too.
 */
final class RequestLog {

    /** The logger category of request lines, so that they can be routed or silenced on their own. */
    static final String CATEGORY = "dev.ignis.runtime.requests";
    private static final Logger LOG = Logger.getLogger(CATEGORY);
    private static final String KEY = RequestLog.class.getName();
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._/:,+-]+");

    private RequestLog() {
    }

    /**
     * What one request's line says, filled in by the handlers as they learn it. Touched only on the request's
     * Vert.x context (the exchange's callbacks and the response's end handler run there).
     */
    static final class Entry {
        final long start;
        final String method;
        final String route;
        String id = "req-" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        int promptTokens = -1;
        int cachedTokens = -1;
        int completionTokens = -1;
        long firstTokenNanos = -1; // since start
        String[] finishReasons;    // (choice), null entries until each ends
        String prompt;             // only with ignis.runtime.log-prompts
        private boolean generating;
        private int status = -1;
        private boolean complete;
        private long end;
        private boolean written;

        Entry(long start, String method, String route) {
            this.start = start;
            this.method = method;
            this.route = route;
        }

        /** A generation of {@code n} choices started: the line waits for all of them to end. */
        void generationStarted(String exchangeId, int n) {
            id = exchangeId;
            finishReasons = new String[n];
            generating = true;
        }

        void firstToken(long now) {
            if (firstTokenNanos < 0) {
                firstTokenNanos = now - start;
            }
        }

        void choiceDone(int index, String reason, int prompt, int cached, int completion) {
            finishReasons[index] = reason;
            promptTokens = prompt;
            cachedTokens = Math.max(0, cachedTokens) + cached;
            completionTokens = Math.max(0, completionTokens) + completion;
        }

        void generationEnded() {
            generating = false;
            writeIfOver();
        }

        void responseOver(int statusCode, boolean completed, long now) {
            status = statusCode;
            complete = completed;
            end = now;
            writeIfOver();
        }

        private void writeIfOver() {
            if (!written && status >= 0 && !generating) {
                written = true;
                if (LOG.isInfoEnabled()) {
                    LOG.info(line());
                }
            }
        }

        /** The line: {@code id=... method=POST route=/v1/completions status=200 ...}; absent figures are left out. */
        String line() {
            StringBuilder out = new StringBuilder(256);
            field(out, "id", id);
            field(out, "method", method);
            field(out, "route", route);
            out.append(" status=").append(status);
            if (!complete) {
                out.append(" client_closed=true");
            }
            if (promptTokens >= 0) {
                out.append(" prompt_tokens=").append(promptTokens).append(" cached_tokens=").append(cachedTokens)
                        .append(" completion_tokens=").append(completionTokens);
            }
            if (firstTokenNanos >= 0) {
                out.append(String.format(Locale.ROOT, " ttft_ms=%.1f", firstTokenNanos / 1e6));
            }
            out.append(String.format(Locale.ROOT, " total_ms=%.1f", (end - start) / 1e6));
            if (finishReasons != null) {
                field(out, "finish_reason", String.join(",", java.util.Arrays.stream(finishReasons)
                        .map(r -> r == null ? "none" : r).toList()));
            }
            if (prompt != null) {
                field(out, "prompt", prompt);
            }
            return out.substring(1);
        }

        /** A value that is not a plain word goes in JSON quotes, so a line always splits back into its fields. */
        private static void field(StringBuilder out, String key, String value) {
            out.append(' ').append(key).append('=')
                    .append(PLAIN.matcher(value).matches() ? value : new TextNode(value).toString());
        }
    }

    /** The first handler of a logged route: opens the request's entry and writes its line when it is over. */
    static void start(RoutingContext ctx) {
        Entry entry = new Entry(System.nanoTime(), ctx.request().method().name(), ctx.request().path());
        ctx.put(KEY, entry);
        ctx.addEndHandler(ar -> entry.responseOver(ctx.response().getStatusCode(), ar.succeeded(), System.nanoTime()));
        ctx.next();
    }

    /** The request's entry; null on a route that is not logged. */
    static Entry of(RoutingContext ctx) {
        return ctx.get(KEY);
    }
}
