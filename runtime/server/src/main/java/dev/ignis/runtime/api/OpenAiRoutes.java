package dev.ignis.runtime.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ignis.engine.sampling.JsonSchema;
import dev.ignis.engine.sampling.SamplingParams;
import dev.ignis.engine.tokenizer.Tokenizer;
import dev.ignis.runtime.config.RuntimeConfig;
import dev.ignis.runtime.inference.EmbeddingService;
import dev.ignis.runtime.inference.GenerationRequest;
import dev.ignis.runtime.inference.InferenceLoop;
import dev.ignis.runtime.model.ModelHost;
import dev.ignis.runtime.security.EndpointGuard;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The OpenAI-compatible API on Vert.x routes: {@code /v1/models}, {@code /v1/completions},
 * {@code /v1/chat/completions} (JSON or server-sent events), {@code /v1/embeddings}, and {@code /health/live},
 * {@code /health/ready}. Requests are parsed and tokenized here, on the caller's side; generation runs on the
 * inference loop, embeddings on the embedding service's workers (tokenized there too), and their output
 * comes back to this request's Vert.x context.
 */
@ApplicationScoped
public class OpenAiRoutes {

    private static final Logger LOG = Logger.getLogger(OpenAiRoutes.class);
    static final int MAX_BODY = 4 * 1024 * 1024;

    private final ModelHost host;
    private final EndpointGuard guard;
    private final RuntimeConfig config;
    private final ObjectMapper json = new ObjectMapper();

    public OpenAiRoutes(ModelHost host, EndpointGuard guard, RuntimeConfig config) {
        this.host = host;
        this.guard = guard;
        this.config = config;
    }

    void routes(@Observes Router router) {
        router.get("/health/live").handler(ctx -> ctx.json(Map.of("status", "UP")));
        router.get("/health/ready").handler(this::ready);
        for (String guarded : List.of("/v1/*", "/tokenize", "/detokenize")) {
            router.route(guarded).order(-11).handler(RequestLog::start);
            router.route(guarded).order(-10).handler(this::guard);
            router.route(guarded).order(-9).handler(BodyHandler.create().setBodyLimit(MAX_BODY));
        }
        router.post("/tokenize").handler(this::tokenize);
        router.post("/detokenize").handler(this::detokenize);
        router.get("/v1/models").handler(this::models);
        router.post("/v1/completions").handler(ctx -> handle(ctx, false));
        router.post("/v1/chat/completions").handler(ctx -> handle(ctx, true));
        router.post("/v1/embeddings").handler(this::embeddings);
        router.route("/v1/*").last().handler(ctx -> error(ctx, new ApiException(404, "invalid_request_error",
                "not_found", null, "no route " + ctx.request().method() + " " + ctx.request().path())));
    }

    private void ready(RoutingContext ctx) {
        ModelHost.State s = host.state();
        if (s.ready()) {
            ctx.json(Map.of("status", "UP", "state", "ready", "model", s.name()));
        } else {
            ctx.response().setStatusCode(503);
            // state tells the operator whether to wait (loading) or to report the reason (failed).
            ctx.json(Map.of("status", "DOWN", "state", s.failed() ? "failed" : "loading", "reason", s.problem()));
        }
    }

    private void guard(RoutingContext ctx) {
        try {
            InetAddress client = guard.clientAddress(ctx.request().remoteAddress().hostAddress(),
                    ctx.request().getHeader("X-Forwarded-For"));
            if (!guard.allowed(client)) {
                error(ctx, new ApiException(403, "permission_error", "ip_not_allowed", null,
                        "this address may not call this endpoint"));
                return;
            }
        } catch (java.net.UnknownHostException e) {
            error(ctx, new ApiException(403, "permission_error", "ip_not_allowed", null, "unknown client address"));
            return;
        }
        if (!guard.authorized(ctx.request().getHeader("Authorization"))) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            error(ctx, new ApiException(401, "invalid_request_error", "invalid_api_key", null,
                    "missing or invalid API key: send 'Authorization: Bearer <key>'"));
            return;
        }
        ctx.next();
    }

    private void models(RoutingContext ctx) {
        ModelHost.State s = host.state();
        ArrayNode data = json.createArrayNode();
        if (s.ready()) {
            data.addObject().put("id", s.name()).put("object", "model").put("created", 0).put("owned_by", "ignis");
        }
        ObjectNode body = json.createObjectNode().put("object", "list");
        body.set("data", data);
        send(ctx, 200, body);
    }

    /**
     * {@code {"content": "text", "add_special": false}} -> {@code {"tokens": [...]}}; with {@code add_special}, the
     * special tokens a prompt gets ({@link Tokenizer#withSpecialTokens}).
     */
    private void tokenize(RoutingContext ctx) {
        try {
            Tokenizer tokenizer = readyState().tokenizer();
            JsonNode body = parse(ctx);
            if (!body.path("content").isTextual()) {
                throw ApiException.invalid("content", "content must be a string");
            }
            List<Integer> tokens = tokenizer.encode(body.get("content").asText(), Requests.bool(body, "parse_special"));
            if (Requests.bool(body, "add_special")) {
                tokens = tokenizer.withSpecialTokens(tokens); // BOS only if the model's metadata asks for it
            }
            ObjectNode out = json.createObjectNode();
            ArrayNode array = out.putArray("tokens");
            tokens.forEach(array::add);
            send(ctx, 200, out);
        } catch (ApiException e) {
            error(ctx, e);
        }
    }

    /** {@code {"tokens": [...]}} -> {@code {"content": "text"}}. */
    private void detokenize(RoutingContext ctx) {
        try {
            Tokenizer tokenizer = readyState().tokenizer();
            JsonNode body = parse(ctx);
            JsonNode tokens = body.get("tokens");
            if (tokens == null || !tokens.isArray()) {
                throw ApiException.invalid("tokens", "tokens must be an array of token ids");
            }
            List<Integer> ids = new ArrayList<>();
            for (JsonNode t : tokens) {
                if (!t.isIntegralNumber() || t.asLong() < 0 || t.asLong() >= tokenizer.vocabularySize()) {
                    throw ApiException.invalid("tokens", "token ids must be integers below "
                            + tokenizer.vocabularySize());
                }
                ids.add(t.asInt());
            }
            StringBuilder text = new StringBuilder();
            dev.ignis.engine.generate.Utf8Stream utf8 = new dev.ignis.engine.generate.Utf8Stream();
            for (int id : ids) {
                text.append(utf8.add(tokenizer.tokenBytes(id)));
            }
            text.append(utf8.flush());
            send(ctx, 200, json.createObjectNode().put("content", text.toString()));
        } catch (ApiException e) {
            error(ctx, e);
        }
    }

    private ModelHost.State readyState() {
        ModelHost.State s = host.state();
        if (!s.ready()) {
            throw new ApiException(503, "server_error", "model_not_ready", null,
                    s.problem() == null || s.problem().equals("loading") ? "the model is loading; retry shortly"
                            : "the model could not be loaded");
        }
        return s;
    }

    /** The served model, when {@code model} (optional) names it; 404 {@code model_not_found} otherwise. */
    private static void checkModel(JsonNode body, ModelHost.State s) {
        String model = body.hasNonNull("model") ? body.get("model").asText() : s.name();
        if (!model.equals(s.name())) {
            throw new ApiException(404, "invalid_request_error", "model_not_found", "model",
                    "the model '" + model + "' does not exist; this endpoint serves '" + s.name() + "'");
        }
    }

    /**
     * The model exists but does not do what the route asks (text from an embedding model, embeddings from
     * a text model): 400 {@code model_not_supported}, naming {@code model} and the routes it does serve.
     */
    private static ApiException wrongTask(ModelHost.State s, String route) {
        return new ApiException(400, "invalid_request_error", "model_not_supported", "model", "the model '" + s.name()
                + "' is " + (s.embeddingModel() ? "an embedding model: it serves /v1/embeddings, not " + route
                : "a text-generation model: it serves /v1/completions and /v1/chat/completions, not " + route));
    }

    private void handle(RoutingContext ctx, boolean chat) {
        try {
            ModelHost.State s = readyState();
            JsonNode body = parse(ctx);
            checkModel(body, s);
            if (s.embeddingModel()) {
                throw wrongTask(s, chat ? "/v1/chat/completions" : "/v1/completions");
            }
            InferenceLoop loop = s.loop();
            int n = Requests.orElse(Requests.integer(body, "n", 1, Integer.MAX_VALUE), 1);
            int maxChoices = Math.min(config.maxChoices(), loop.slotCount());
            if (n > maxChoices) {
                throw ApiException.invalid("n", "n must be at most " + maxChoices + " on this server (each choice is"
                        + " a sequence of its own: ignis.runtime.slots is " + loop.slotCount()
                        + ", ignis.runtime.max-choices " + config.maxChoices() + "), got " + n);
            }
            List<Integer> prompt = chat ? ChatPrompt.of(body, s, loop.tokenizer()) : CompletionPrompt.of(body, loop.tokenizer());
            if (prompt.isEmpty()) { // an empty text on a model that adds no BOS (Qwen2)
                throw ApiException.invalid(chat ? "messages" : "prompt", "the prompt has no tokens");
            }
            Integer maxTokens = Requests.integer(body, chat && body.has("max_completion_tokens")
                    ? "max_completion_tokens" : "max_tokens", 1, 1 << 20);
            int max = maxTokens != null ? maxTokens : chat ? loop.contextSize() - prompt.size() : 16;
            if (prompt.size() + max > loop.contextSize()) {
                throw new ApiException(400, "invalid_request_error", "context_length_exceeded",
                        chat ? "messages" : "prompt", "this model's context is " + loop.contextSize()
                        + " tokens; the prompt has " + prompt.size() + " and " + max + " more were asked for");
            }
            int logprobs = chat ? (Requests.bool(body, "logprobs") ? Requests.orElse(Requests.integer(body,
                    "top_logprobs", 0, 20), 0) : -1) : Requests.orElse(Requests.integer(body, "logprobs", 0, 5), -1);
            if (!chat && body.hasNonNull("suffix")) {
                throw ApiException.invalid("suffix", "suffix (fill-in-the-middle) is not supported by this model");
            }
            JsonSchema schema = ResponseFormat.of(body);
            boolean stream = Requests.bool(body, "stream");
            boolean includeUsage = stream && body.path("stream_options").path("include_usage").asBoolean(false);
            String echo = !chat && Requests.bool(body, "echo") ? loop.tokenizer().decode(prompt) : "";
            GenerationExchange exchange = new GenerationExchange(ctx, json, this::error, n, chat, stream, includeUsage,
                    s.name(), logprobs >= 0, echo, config.requestTimeout().toMillis());
            RequestLog.Entry logEntry = RequestLog.of(ctx);
            if (logEntry != null && config.logPrompts()) {
                logEntry.prompt = loop.tokenizer().decode(prompt);
            }
            SamplingParams sampling = Requests.sampling(body, loop.tokenizer().vocabularySize());
            List<String> stops = Requests.stops(body);
            boolean cachePrompt = !body.hasNonNull("cache_prompt") || Requests.bool(body, "cache_prompt");
            List<GenerationRequest> requests = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                // Choice i draws with seed + i: choice 0 is what n = 1 gives with the same seed.
                requests.add(new GenerationRequest(prompt, sampling.withSeed(sampling.seed() + i), max, stops,
                        Math.max(0, logprobs), schema, cachePrompt, exchange.listener(i)));
            }
            List<InferenceLoop.Handle> handles;
            try {
                handles = loop.submitAll(requests);
            } catch (InferenceLoop.QueueFullException e) {
                ctx.response().putHeader("Retry-After", "1");
                throw new ApiException(429, "rate_limit_error", "server_busy", null,
                        "the server is at capacity; retry after a second");
            }
            exchange.start(handles);
        } catch (ApiException e) {
            error(ctx, e);
        }
    }

    /**
     * Parsed here, tokenized and embedded on an embedding worker, answered back on this request's context.
     * A client that goes away before a worker takes its request costs no work.
     */
    private void embeddings(RoutingContext ctx) {
        try {
            ModelHost.State s = readyState();
            JsonNode body = parse(ctx);
            checkModel(body, s);
            if (!s.embeddingModel()) {
                throw wrongTask(s, "/v1/embeddings");
            }
            EmbeddingService service = s.embeddings();
            EmbeddingsRequest request = EmbeddingsRequest.parse(body, service.tokenizer().vocabularySize(),
                    service.dimensions());
            Context context = Vertx.currentContext();
            long deadline = System.nanoTime() + config.requestTimeout().toNanos();
            AtomicBoolean gone = new AtomicBoolean();
            ctx.response().closeHandler(v -> gone.set(true));
            java.util.concurrent.CompletableFuture<EmbeddingService.Result> result;
            try {
                result = service.submit(request.inputs(), () -> gone.get() || System.nanoTime() > deadline);
            } catch (InferenceLoop.QueueFullException e) {
                ctx.response().putHeader("Retry-After", "1");
                throw new ApiException(429, "rate_limit_error", "server_busy", null,
                        "the server is at capacity; retry after a second");
            }
            result.whenComplete((r, failure) -> {
                // Built on the worker: a large response's JSON is work the event loop should not do.
                JsonNode answer = r == null ? null : request.response(json, r, s.name());
                context.runOnContext(v -> {
                    RequestLog.Entry logEntry = RequestLog.of(ctx);
                    if (logEntry != null && r != null) {
                        logEntry.promptTokens = r.promptTokens();
                    }
                    if (answer != null) {
                        send(ctx, 200, answer);
                    } else if (failure instanceof EmbeddingService.TooLongException e) {
                        error(ctx, new ApiException(400, "invalid_request_error", "context_length_exceeded", "input",
                                e.getMessage()));
                    } else if (failure instanceof EmbeddingService.AbandonedException) {
                        error(ctx, new ApiException(504, "server_error", "timeout", null,
                                "the request waited longer than its time limit of "
                                        + config.requestTimeout().toSeconds() + " s"));
                    } else {
                        error(ctx, new ApiException(500, "server_error", null, null, "the embedding failed"));
                    }
                });
            });
        } catch (ApiException e) {
            error(ctx, e);
        }
    }

    private JsonNode parse(RoutingContext ctx) {
        String contentType = ctx.request().getHeader("Content-Type");
        if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(415, "invalid_request_error", "unsupported_media_type", null,
                    "send the request as application/json");
        }
        try {
            JsonNode body = json.readTree(ctx.body().asString());
            if (body == null || !body.isObject()) {
                throw ApiException.invalid(null, "the request body must be a JSON object");
            }
            return body;
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    void error(RoutingContext ctx, ApiException e) {
        ObjectNode error = json.createObjectNode();
        ObjectNode inner = error.putObject("error").put("message", e.getMessage()).put("type", e.type());
        inner.put("param", e.param());
        inner.put("code", e.code());
        send(ctx, e.status(), error);
    }

    private void send(RoutingContext ctx, int status, JsonNode body) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toString());
    }
}
