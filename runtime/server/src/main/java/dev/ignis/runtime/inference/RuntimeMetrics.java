package dev.ignis.runtime.inference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What the runtime exports at {@code /metrics}: the load an autoscaler reads ({@code ignis_requests_active}
 * plus {@code ignis_requests_waiting}, summed as {@code ignis_load}), tokens produced, time to first token and time between tokens; for a
 * text model, its slots and how full their KV caches are; for an embedding model, inputs embedded and the time
 * each request's batch took.
 */
public final class RuntimeMetrics {

    private final Counter promptTokens;
    private final Counter cachedPromptTokens;
    private final Counter generatedTokens;
    private final Timer timeToFirstToken;
    private final Timer interTokenLatency;
    private final Counter embeddings;
    private final Timer embeddingDuration;
    private final DistributionSummary passRows;

    public RuntimeMetrics(MeterRegistry registry, Supplier<Number> active, Supplier<Number> waiting) {
        // Strong references: the suppliers are lambdas nothing else holds, and a gauge keeps only a weak one.
        Gauge.builder("ignis.requests.active", active, s -> s.get().doubleValue()).strongReference(true)
                .register(registry);
        Gauge.builder("ignis.requests.waiting", waiting, s -> s.get().doubleValue()).strongReference(true)
                .register(registry);
        // The autoscaling signal (ignis_load): work in the pod, running plus waiting.
        Supplier<Number> load = () -> active.get().doubleValue() + waiting.get().doubleValue();
        Gauge.builder("ignis.load", load, s -> s.get().doubleValue()).strongReference(true)
                .description("requests running plus waiting in this runtime").register(registry);
        promptTokens = registry.counter("ignis.tokens.prompt");
        cachedPromptTokens = registry.counter("ignis.tokens.prompt.cached");
        generatedTokens = registry.counter("ignis.tokens.generated");
        timeToFirstToken = Timer.builder("ignis.time.to.first.token").publishPercentileHistogram().register(registry);
        interTokenLatency = Timer.builder("ignis.inter.token.latency").publishPercentileHistogram().register(registry);
        embeddings = registry.counter("ignis.embeddings");
        embeddingDuration = Timer.builder("ignis.embedding.duration").publishPercentileHistogram().register(registry);
        passRows = DistributionSummary.builder("ignis.batch.rows").baseUnit("rows")
                .description("rows (decoded tokens and prompt tokens) per forward pass of the decoder")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256).register(registry);
    }

    /**
     * The decoder's capacity and how much of it running sequences hold: {@code ignis_slots},
     * {@code ignis_kv_cache_capacity_tokens} (slots times context), {@code ignis_kv_cache_tokens} (positions held by
     * running sequences) and their ratio {@code ignis_kv_cache_usage_ratio}.
     */
    void kvCache(MeterRegistry registry, int slots, int capacityTokens, Supplier<Number> heldTokens) {
        Gauge.builder("ignis.slots", () -> slots).strongReference(true).description("sequences this runtime generates side by side")
                .register(registry);
        Gauge.builder("ignis.kv.cache.capacity.tokens", () -> capacityTokens).strongReference(true)
                .description("positions all KV caches can hold (slots times context)").register(registry);
        Gauge.builder("ignis.kv.cache.tokens", heldTokens, s -> s.get().doubleValue()).strongReference(true)
                .description("positions held in KV caches by running sequences").register(registry);
        Gauge.builder("ignis.kv.cache.usage", heldTokens, s -> s.get().doubleValue() / capacityTokens)
                .strongReference(true).baseUnit("ratio")
                .description("ignis_kv_cache_tokens / ignis_kv_cache_capacity_tokens").register(registry);
    }

    void prompt(int tokens) {
        promptTokens.increment(tokens);
    }

    /** Prompt tokens taken from a slot's cache instead of being computed. */
    void cached(int tokens) {
        cachedPromptTokens.increment(tokens);
    }

    void firstToken(long nanosSinceSubmit) {
        timeToFirstToken.record(Duration.ofNanos(nanosSinceSubmit));
    }

    void token(long nanosSincePrevious) {
        generatedTokens.increment();
        if (nanosSincePrevious > 0) {
            interTokenLatency.record(Duration.ofNanos(nanosSincePrevious));
        }
    }

    /** One forward pass of the decoder over {@code rows} rows. */
    void pass(int rows) {
        passRows.record(rows);
    }

    void embedded(int inputs, long nanos) {
        embeddings.increment(inputs);
        embeddingDuration.record(Duration.ofNanos(nanos));
    }
}
