package dev.ignis.runtime.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ignis.runtime.inference.GenerationListener;
import dev.ignis.runtime.inference.InferenceLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * One request's answer: {@code n} choices, each a sequence of its own on the inference loop, whose output
 * comes back on the inference thread and is written on the request's own Vert.x context. Streamed chunks
 * carry their choice's index; the response (or the stream's end) waits for every choice.
 */
final class GenerationExchange {

    private final RoutingContext ctx;
    private final Context context = Vertx.currentContext();
    private final ObjectMapper json;
    private final BiConsumer<RoutingContext, ApiException> errors;
    private final boolean chat;
    private final boolean stream;
    private final boolean includeUsage;
    private final String model;
    private final boolean logprobs;
    private final String echo;
    private final long timeoutMillis;
    private final String id;
    private final long created = System.currentTimeMillis() / 1000;
    private final Choice[] choices;
    private final AtomicBoolean timedOut = new AtomicBoolean();
    private int finished;
    private int promptTokens;
    private int cachedTokens;
    private boolean failed;
    private long timer = -1;
    private final RequestLog.Entry log; // null when the route is not logged

    GenerationExchange(RoutingContext ctx, ObjectMapper json, BiConsumer<RoutingContext, ApiException> errors,
                       int n, boolean chat, boolean stream, boolean includeUsage, String model, boolean logprobs,
                       String echo, long timeoutMillis) {
        this.ctx = ctx;
        this.json = json;
        this.errors = errors;
        this.chat = chat;
        this.stream = stream;
        this.includeUsage = includeUsage;
        this.model = model;
        this.logprobs = logprobs;
        this.echo = echo;
        this.timeoutMillis = timeoutMillis;
        this.id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        this.choices = new Choice[n];
        for (int i = 0; i < n; i++) {
            choices[i] = new Choice(i);
        }
        this.log = RequestLog.of(ctx);
    }

    /** The listener of choice {@code index}. */
    GenerationListener listener(int index) {
        return choices[index];
    }

    /** Starts the answer once every choice is queued; closing the handles cancels them. */
    void start(List<InferenceLoop.Handle> handles) {
        if (log != null) {
            log.generationStarted(id, choices.length);
        }
        HttpServerResponse response = ctx.response();
        // A client that goes away frees its slots at the next step.
        response.closeHandler(v -> handles.forEach(InferenceLoop.Handle::close));
        timer = ctx.vertx().setTimer(timeoutMillis, t -> {
            timedOut.set(true);
            handles.forEach(InferenceLoop.Handle::close);
        });
        if (stream) {
            response.setChunked(true).putHeader("Content-Type", "text/event-stream")
                    .putHeader("Cache-Control", "no-cache");
            for (Choice c : choices) {
                if (chat) {
                    write(chunk(c.index, json.createObjectNode().put("role", "assistant").put("content", ""), null, null));
                } else if (!echo.isEmpty()) {
                    write(chunk(c.index, null, echo, null));
                }
            }
        }
    }

    private final class Choice implements GenerationListener {
        final int index;
        final StringBuilder text = new StringBuilder();
        final ArrayNode tokenLogprobs = json.createArrayNode();
        String finishReason;
        int completionTokens;

        Choice(int index) {
            this.index = index;
        }

        @Override
        public void text(String delta, List<TokenOutput> tokens) {
            ArrayNode lp = logprobs ? logprobsOf(tokens) : null;
            long now = System.nanoTime();
            context.runOnContext(v -> {
                if (log != null) {
                    log.firstToken(now);
                }
                if (stream) {
                    if (!delta.isEmpty() || lp != null) {
                        write(chunk(index, chat ? json.createObjectNode().put("content", delta) : null,
                                chat ? null : delta, lp));
                    }
                } else {
                    text.append(delta);
                    if (lp != null) {
                        tokenLogprobs.addAll(lp);
                    }
                }
            });
        }

        @Override
        public void done(String reason, int prompt, int cached, int completion) {
            context.runOnContext(v -> {
                finishReason = reason;
                completionTokens = completion;
                promptTokens = prompt;
                cachedTokens += cached;
                if (log != null) {
                    log.choiceDone(index, reason, prompt, cached, completion);
                }
                if (stream && !timedOut.get() && !failed) {
                    ObjectNode last = chunk(index, chat ? json.createObjectNode() : null, chat ? null : "", null);
                    ((ObjectNode) last.get("choices").get(0)).put("finish_reason", reason);
                    write(last);
                }
                choiceEnded();
            });
        }

        @Override
        public void failed(String message) {
            context.runOnContext(v -> {
                if (log != null) {
                    log.finishReasons[index] = "error";
                }
                if (!failed) {
                    failed = true;
                    ctx.vertx().cancelTimer(timer);
                    if (stream && ctx.response().headWritten()) {
                        ObjectNode error = json.createObjectNode();
                        error.putObject("error").put("message", message).put("type", "server_error");
                        write(error);
                        ctx.response().end();
                    } else {
                        errors.accept(ctx, new ApiException(500, "server_error", null, null, message));
                    }
                }
                choiceEnded();
            });
        }
    }

    private void choiceEnded() {
        boolean all = ++finished == choices.length;
        if (all && log != null) {
            log.generationEnded();
        }
        if (!all || failed) {
            return;
        }
        ctx.vertx().cancelTimer(timer);
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        if (timedOut.get()) {
            if (stream) {
                ctx.response().end();
            } else {
                errors.accept(ctx, new ApiException(504, "server_error", "timeout", null,
                        "the request exceeded its time limit of " + timeoutMillis / 1000 + " s"));
            }
            return;
        }
        if (stream) {
            if (includeUsage) {
                ObjectNode u = chunk(0, null, null, null);
                u.putArray("choices");
                u.set("usage", usage());
                write(u);
            }
            ctx.response().end("data: [DONE]\n\n");
            return;
        }
        ObjectNode body = json.createObjectNode().put("id", id)
                .put("object", chat ? "chat.completion" : "text_completion").put("created", created).put("model", model);
        ArrayNode array = body.putArray("choices");
        for (Choice c : choices) {
            ObjectNode choice = array.addObject().put("index", c.index);
            if (chat) {
                choice.putObject("message").put("role", "assistant").put("content", c.text.toString());
                if (logprobs) {
                    choice.putObject("logprobs").set("content", c.tokenLogprobs);
                } else {
                    choice.putNull("logprobs");
                }
            } else {
                choice.put("text", echo + c.text);
                if (logprobs) {
                    choice.set("logprobs", legacyLogprobs(c.tokenLogprobs));
                } else {
                    choice.putNull("logprobs");
                }
            }
            choice.put("finish_reason", c.finishReason);
        }
        body.set("usage", usage());
        if (!ctx.response().ended()) {
            ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(body.toString());
        }
    }

    /**
     * The prompt counts once, as OpenAI counts it, although each choice's sequence runs it (or takes it from
     * a cached prefix); completion tokens are summed over the choices. {@code cached_tokens} is the number
     * of prompt tokens taken from a cached prefix instead of being computed, summed over the choices.
     */
    private ObjectNode usage() {
        int completion = 0;
        for (Choice c : choices) {
            completion += c.completionTokens;
        }
        ObjectNode usage = json.createObjectNode().put("prompt_tokens", promptTokens)
                .put("completion_tokens", completion).put("total_tokens", promptTokens + completion);
        usage.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
        return usage;
    }

    private ObjectNode chunk(int index, ObjectNode delta, String completionText, ArrayNode lp) {
        ObjectNode c = json.createObjectNode().put("id", id)
                .put("object", chat ? "chat.completion.chunk" : "text_completion").put("created", created)
                .put("model", model);
        ObjectNode choice = c.putArray("choices").addObject().put("index", index);
        if (chat) {
            choice.set("delta", delta == null ? json.createObjectNode() : delta);
            if (lp != null) {
                choice.putObject("logprobs").set("content", lp);
            }
        } else {
            choice.put("text", completionText == null ? "" : completionText);
            choice.putNull("logprobs");
        }
        choice.putNull("finish_reason");
        return c;
    }

    private void write(JsonNode data) {
        if (!ctx.response().ended() && !ctx.response().closed()) {
            ctx.response().write("data: " + data + "\n\n");
        }
    }

    private ArrayNode logprobsOf(List<GenerationListener.TokenOutput> tokens) {
        ArrayNode out = json.createArrayNode();
        for (GenerationListener.TokenOutput t : tokens) {
            ObjectNode o = out.addObject().put("token", t.text()).put("logprob", t.logprob());
            ArrayNode top = o.putArray("top_logprobs");
            for (GenerationListener.Alternative a : t.top()) {
                top.addObject().put("token", a.text()).put("logprob", a.logprob());
            }
        }
        return out;
    }

    /** The completions API's older shape: parallel arrays of tokens and log-probabilities. */
    private ObjectNode legacyLogprobs(ArrayNode tokenLogprobs) {
        ObjectNode o = json.createObjectNode();
        ArrayNode tokens = o.putArray("tokens");
        ArrayNode values = o.putArray("token_logprobs");
        ArrayNode top = o.putArray("top_logprobs");
        for (JsonNode t : tokenLogprobs) {
            tokens.add(t.get("token").asText());
            values.add(t.get("logprob").asDouble());
            ObjectNode alternatives = top.addObject();
            for (JsonNode a : t.get("top_logprobs")) {
                alternatives.put(a.get("token").asText(), a.get("logprob").asDouble());
            }
        }
        return o;
    }
}
