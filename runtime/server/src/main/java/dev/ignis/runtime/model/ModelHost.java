package dev.ignis.runtime.model;

import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.model.ModelLoader;
import dev.ignis.engine.model.Precision;
import dev.ignis.runtime.config.RuntimeConfig;
import dev.ignis.engine.tokenizer.Tokenizer;
import dev.ignis.runtime.inference.EmbeddingService;
import dev.ignis.runtime.inference.InferenceLoop;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * Loads the model in the background at start-up (so {@code /health/live} answers at once) and owns it:
 * the mapped file, the converted weights and either the inference loop (a decoder) or the embedding
 * service (an encoder, {@code general.architecture = bert}). A load failure is logged with its cause
 * and reported by {@code /health/ready}; it does not crash-loop the process.
 */
@ApplicationScoped
public class ModelHost {

    private static final Logger LOG = Logger.getLogger(ModelHost.class);

    private final RuntimeConfig config;
    private final io.micrometer.core.instrument.MeterRegistry registry;
    /** The problem a runtime reports while its model is still being fetched and loaded. */
    public static final String LOADING = "loading";

    private volatile State state = new State(null, null, null, null, null, null, null, LOADING);

    public ModelHost(RuntimeConfig config, io.micrometer.core.instrument.MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    /** What is loaded, or why not: a decoder with its loop, or an encoder with its embedding service. */
    public record State(GgufFile file, ModelLoader.LoadedModel model, InferenceLoop loop,
                        ModelLoader.LoadedEncoder encoder, EmbeddingService embeddings, String name,
                        ChatTemplate chatTemplate, String problem) {
        public boolean ready() {
            return loop != null || embeddings != null;
        }

        /** The model could not be loaded: this runtime will not become ready without a new configuration. */
        public boolean failed() {
            return !ready() && !LOADING.equals(problem);
        }

        /** Whether the model makes embeddings (and only those) rather than text. */
        public boolean embeddingModel() {
            return embeddings != null;
        }

        public Tokenizer tokenizer() {
            return loop != null ? loop.tokenizer() : embeddings.tokenizer();
        }
    }

    void start(@Observes StartupEvent event) {
        Thread loader = new Thread(this::load, "ignis-model-loader");
        loader.setDaemon(true);
        loader.start();
    }

    void stop(@Observes ShutdownEvent event) {
        State s = state;
        if (s.loop() != null) {
            s.loop().close();
        }
        if (s.embeddings() != null) {
            s.embeddings().close();
        }
        if (s.model() != null) {
            s.model().close();
        }
        if (s.encoder() != null) {
            s.encoder().close();
        }
        if (s.file() != null) {
            s.file().close();
        }
    }

    public State state() {
        return state;
    }

    private void load() {
        long start = System.nanoTime();
        GgufFile file = null;
        try {
            Path path = resolve(config.model());
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("ignis.runtime.model: no such file " + path);
            }
            if (config.modelSha256().isPresent() && !isRemote(config.model())) {
                String actual = sha256(path);
                if (!actual.equalsIgnoreCase(config.modelSha256().get())) {
                    throw new IllegalArgumentException("ignis.runtime.model-sha256: expected " + config.modelSha256().get()
                            + ", the file has " + actual);
                }
            }
            Precision precision = config.quantization().map(Precision::parse).orElse(null);
            GgufFile opened = GgufFile.open(path);
            file = opened;
            String name = config.modelName().orElse(path.getFileName().toString().replaceFirst("(?i)\\.gguf$", "")
                    .toLowerCase(Locale.ROOT));
            if (ModelLoader.isEncoder(opened.header())) {
                state = loadEncoder(opened, precision, name);
            } else {
                state = loadDecoder(opened, precision, name);
            }
            LOG.infof("Model %s loaded in %.1f s: %s%s", name, (System.nanoTime() - start) / 1e9,
                    state.embeddingModel() ? "embeddings, " + config.embeddingWorkers() + " workers, "
                            + state.embeddings().contextSize() + " tokens per input"
                            : config.slots() + " slots of " + state.loop().contextSize() + " tokens",
                    precision == null ? "" : ", served at " + precision);
        } catch (Exception | OutOfMemoryError e) {
            // Out of memory too (the heap, or native memory for the KV caches of every slot): the runtime
            // stays up, unready, and says why, instead of a dead loader thread and "loading" for ever.
            if (file != null) {
                file.close();
            }
            String problem = !(e instanceof OutOfMemoryError)
                    ? e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()
                    : "Java heap space".equals(e.getMessage())
                    ? "out of memory while loading (Java heap space): the JVM's heap (-Xmx, JDK_JAVA_OPTIONS) is too"
                            + " small for this model's tokenizer and activations"
                    : "out of memory while loading (" + e.getMessage() + "): fewer slots, a smaller context size or"
                            + " a smaller model would fit";
            state = new State(null, null, null, null, null, null, null, problem);
            LOG.errorf(e, "The model could not be loaded: %s", problem);
        }
    }

    private State loadDecoder(GgufFile file, Precision precision, String name) {
        if (config.maxChoices() < 1) {
            throw new IllegalArgumentException("ignis.runtime.max-choices must be at least 1, got " + config.maxChoices());
        }
        ModelLoader.LoadedModel loaded;
        if (config.threads().isPresent()) {
            int threads = config.threads().get();
            if (threads < 1 || threads > 1024) {
                throw new IllegalArgumentException("ignis.runtime.threads must be between 1 and 1024, got " + threads);
            }
            loaded = ModelLoader.load(file, precision, threads);
        } else {
            loaded = ModelLoader.load(file, precision);
        }
        try {
            int context = context(loaded.model().config().contextLength(), 4096);
            ChatTemplate template = config.chatTemplate().or(() -> file.header().string("tokenizer.chat_template"))
                    .map(t -> new ChatTemplate(t, loaded.tokenizer())).orElse(null);
            if (config.warmupSteps() < 0 || config.warmupSteps() > 1024) {
                throw new IllegalArgumentException("ignis.runtime.warmup-steps must be between 0 and 1024, got "
                        + config.warmupSteps());
            }
            InferenceLoop loop = new InferenceLoop(loaded, config.slots(), context, config.queueSize(),
                    config.prefillChunk(), config.warmupSteps(), registry);
            if (config.warmupSteps() > 0) {
                LOG.infof("Warmed up in %.1f s (%d decode steps of 1 and of %d sequences)", loop.warmupSeconds(),
                        config.warmupSteps(), Math.min(config.slots(), 12));
            }
            return new State(file, loaded, loop, null, null, name, template, null);
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    private State loadEncoder(GgufFile file, Precision precision, String name) {
        if (config.embeddingWorkers() < 1) {
            throw new IllegalArgumentException("ignis.runtime.embedding-workers must be at least 1, got "
                    + config.embeddingWorkers());
        }
        ModelLoader.LoadedEncoder loaded = ModelLoader.loadEncoder(file, precision);
        try {
            int context = context(loaded.model().config().contextLength(), Integer.MAX_VALUE);
            EmbeddingService embeddings = new EmbeddingService(loaded, config.embeddingWorkers(), context,
                    config.queueSize(), registry);
            return new State(file, null, null, loaded, embeddings, name, null, null);
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    /** The configured context size, or the model's capped at {@code cap}; more than the model's is refused. */
    private int context(int modelContext, int cap) {
        int context = config.contextSize() > 0 ? config.contextSize() : Math.min(cap, modelContext);
        if (context > modelContext) {
            throw new IllegalArgumentException("ignis.runtime.context-size " + context + " exceeds the model's "
                    + modelContext);
        }
        return context;
    }

    private Path resolve(String model) throws Exception {
        if (model.startsWith("file:")) {
            return Path.of(URI.create(model));
        }
        if (isRemote(model)) {
            // Downloaded once into the cache (resumed if interrupted, verified by sha256 when given).
            return new ModelDownloader(config.downloadTimeout(), config.downloadReadTimeout()).fetch(URI.create(model),
                    config.modelSha256().orElse(null), Path.of(config.cacheDir()));
        }
        return Path.of(model);
    }

    private static boolean isRemote(String model) {
        return model.startsWith("http://") || model.startsWith("https://");
    }

    private static String sha256(Path path) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(path), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
