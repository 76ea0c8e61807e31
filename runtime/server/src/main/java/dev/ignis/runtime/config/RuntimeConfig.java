package dev.ignis.runtime.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every setting of a runtime, {@code ignis.runtime.*} (environment: {@code IGNIS_RUNTIME_*}). */
@ConfigMapping(prefix = "ignis.runtime")
public interface RuntimeConfig {

    /** The GGUF file to serve: a path, a {@code file://} URI, or an {@code http(s)://} URI to download. */
    String model();

    /** Where downloaded models are kept (a persistent volume avoids downloading again on restart). */
    @WithDefault("${user.home}/.cache/ignis/models")
    String cacheDir();

    /** Time limit of each download attempt (of 4; each resumes where the last stopped). */
    @WithDefault("6h")
    Duration downloadTimeout();

    /** How long a download may receive nothing before the attempt is given up and resumed. */
    @WithDefault("60s")
    Duration downloadReadTimeout();

    /** Expected SHA-256 of the model file; checked before loading when set. */
    Optional<String> modelSha256();

    /** The name clients use for the model ({@code model} in requests); defaults to the file name. */
    Optional<String> modelName();

    /** Serve at this precision (fp16, bf16, fp8, int8, int4); absent: as stored. */
    Optional<String> quantization();

    /** Tokens of context per slot; 0 means the model's own, capped at 4096. */
    @WithDefault("0")
    int contextSize();

    /**
     * Threads a decoder's matrix and attention work is split over; absent means one per available processor
     * (a container's CPU limit counts). Embedding models use the JVM's shared pool, sized the same way.
     */
    Optional<Integer> threads();

    /** Sequences decoded side by side. */
    @WithDefault("4")
    int slots();

    /** The largest {@code n} (choices per request) accepted; it is also capped by {@link #slots()}. */
    @WithDefault("4")
    int maxChoices();

    /** Requests that may wait for a slot; more get 429. */
    @WithDefault("64")
    int queueSize();

    /**
     * Requests an embedding model runs at once, each on its own worker thread (the matrix work of each
     * still spreads over every core); further requests wait in a queue of {@link #queueSize()}.
     */
    @WithDefault("2")
    int embeddingWorkers();

    /**
     * Prompt tokens processed per step over all slots (the earliest request's first), beside one decoded
     * token per decoding slot, so that prompts do not stall the other slots' decoding.
     */
    @WithDefault("32")
    int prefillChunk();

    /**
     * Decode steps run after the model loads and before the runtime reports ready, in the slots' own caches
     * (their positions stay 0, so nothing is reused from them), at one sequence and at every slot up to 12
     * (after one prompt pass as wide as the widest step), so that the JIT has compiled the kernels when the
     * first request comes; 0 skips it.
     */
    @WithDefault("8")
    int warmupSteps();

    /** Wall-clock limit of one request. */
    @WithDefault("300s")
    Duration requestTimeout();

    /** A Jinja chat template to use instead of the model's own {@code tokenizer.chat_template}. */
    Optional<String> chatTemplate();

    /** Endpoint keys in clear (for local use); none here and in {@link #apiKeySha256()} means open. */
    Optional<List<String>> apiKeys();

    /** Hex SHA-256 of endpoint keys, as the control plane hands them over. */
    Optional<List<String>> apiKeySha256();

    /** CIDRs allowed to call the API; none means every address. */
    Optional<List<String>> allowedIps();

    /**
     * A file listing the allowed CIDRs (commas, spaces or new lines), read again every 2 s: how a Kubernetes
     * ConfigMap delivers changes without a restart. Excludes {@link #allowedIps()}.
     */
    Optional<String> allowedIpsFile();

    /**
     * A file listing endpoint keys' hex SHA-256 hashes, read again every 2 s (a mounted Secret). A file that lists
     * none admits nobody. Excludes {@link #apiKeys()} and {@link #apiKeySha256()}.
     */
    Optional<String> apiKeySha256File();

    /** CIDRs of proxies whose X-Forwarded-For is believed. */
    Optional<List<String>> trustedProxies();

    /**
     * Whether each request's log line carries its prompt text. Off by default: prompts are the users' data, and
     * a log is kept, shipped and read by more people than the API's callers.
     */
    @WithDefault("false")
    boolean logPrompts();
}
