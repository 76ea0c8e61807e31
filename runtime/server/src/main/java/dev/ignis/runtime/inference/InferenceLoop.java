package dev.ignis.runtime.inference;

import dev.ignis.engine.model.KvCache;
import dev.ignis.engine.model.Llama;
import dev.ignis.engine.model.ModelLoader;
import dev.ignis.engine.sampling.Sampler;
import dev.ignis.engine.sampling.TokenTrie;
import dev.ignis.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The one thread that owns the model. It keeps a fixed number of slots, each with its own KV cache;
 * between steps, waiting requests take free slots and finished or cancelled ones leave (continuous
 * batching). Every step advances each decoding slot by one generated token and spends at most
 * {@code prefillChunk} rows on prompts (the earliest request's first), all in one batched forward pass, so
 * each weight is read once per step for every active sequence. The prompt budget is per step, not per slot:
 * a pass of many rows costs more per row than a few smaller ones on the engine's kernels, and it would hold
 * every decoding stream's next token for its whole length.
 */
public final class InferenceLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(InferenceLoop.class);

    private final Llama model;
    private final Tokenizer tokenizer;
    private final TokenTrie vocabulary; // token bytes for JSON-constrained requests, built once
    private final int contextSize;
    private final int prefillChunk;
    private final BlockingQueue<Handle> queue;
    private final Slot[] slots;
    private final Thread thread;
    private final Llama.Batch batch;
    private final int[] rowTokens;       // (row) token of each batch row this step
    private final int[] rowPositions;    // (row) its position in its sequence
    private final KvCache[] rowCaches;   // (row) its sequence's cache
    private final float[][] rowLogits;   // (row) where its logits go, or null when not needed
    private final Slot[] prefilling;     // this step's slots still in their prompt, earliest request first
    private volatile boolean running = true;
    private long starts; // requests started, a clock for choosing the least recently used slot
    private final RuntimeMetrics metrics;
    private final double warmupSeconds;

    public InferenceLoop(ModelLoader.LoadedModel loaded, int slotCount, int contextSize, int queueSize,
                         int prefillChunk, io.micrometer.core.instrument.MeterRegistry registry) {
        this(loaded, slotCount, contextSize, queueSize, prefillChunk, 0, registry);
    }

    /** The loop, after {@code warmupSteps} steps of warm-up ({@link #warmUp}) before it takes requests. */
    public InferenceLoop(ModelLoader.LoadedModel loaded, int slotCount, int contextSize, int queueSize,
                         int prefillChunk, int warmupSteps, io.micrometer.core.instrument.MeterRegistry registry) {
        if (slotCount < 1 || queueSize < 1 || prefillChunk < 1) {
            throw new IllegalArgumentException("slots, queue size and prefill chunk must be at least 1");
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warm-up steps must be at least 0, got " + warmupSteps);
        }
        this.model = loaded.model();
        this.tokenizer = loaded.tokenizer();
        this.vocabulary = new TokenTrie(tokenizer);
        this.contextSize = contextSize;
        this.prefillChunk = prefillChunk;
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.slots = new Slot[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new Slot(model.newCache(contextSize), contextSize, new float[model.config().vocabSize()]);
        }
        // One decode row per slot, plus the step's prompt rows.
        int capacity = slotCount + prefillChunk;
        this.batch = new Llama.Batch(model.config(), capacity, contextSize);
        this.rowTokens = new int[capacity];
        this.rowPositions = new int[capacity];
        this.rowCaches = new KvCache[capacity];
        this.rowLogits = new float[capacity][];
        this.prefilling = new Slot[slotCount];
        this.metrics = registry == null ? null : new RuntimeMetrics(registry, this::active, queue::size);
        if (metrics != null) {
            metrics.kvCache(registry, slotCount, slotCount * contextSize, this::kvTokens);
        }
        this.warmupSeconds = warmUp(warmupSteps);
        this.thread = new Thread(this::run, "ignis-inference");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    public int contextSize() {
        return contextSize;
    }

    /** Seconds the warm-up took before the loop started (0 without one). */
    public double warmupSeconds() {
        return warmupSeconds;
    }

    /**
     * Runs the model as the loop's steps will, so that the JIT compiles every kernel a step can take before
     * the first request: one prompt pass as wide as the widest step ({@code slots + prefillChunk} rows, at
     * most half the context), then {@code steps} decode steps of one sequence and of {@code min(slots, 12)}
     * (twelve take both tiles of the batched product, eight vectors and four), each with its logits. Until
     * the kernels are compiled a step runs interpreted and takes up to twice as long (on the synthetic
     * Llama-3.2-1B, two threads, the first nine steps of one sequence: 90-120 ms each instead of 57-69,
     * 2026-11-28). It runs in the slots' own caches, batch and logits, so it takes no memory of its own: the
     * slots' positions stay 0, so no request takes what it wrote for a cached prefix.
     */
    private double warmUp(int steps) {
        int prompt = Math.min(slots.length + prefillChunk, contextSize / 2);
        steps = Math.min(steps, (contextSize - prompt) / 2);
        if (steps <= 0 || prompt == 0) {
            return 0;
        }
        long start = System.nanoTime();
        int vocab = model.config().vocabSize();
        int wide = Math.min(slots.length, 12);
        for (int i = 0; i < prompt; i++) {
            rowTokens[i] = i % vocab;
            rowPositions[i] = i;
            rowCaches[i] = slots[0].cache;
            rowLogits[i] = i == prompt - 1 ? slots[0].logits : null;
        }
        model.forward(prompt, rowTokens, rowPositions, rowCaches, rowLogits, batch);
        int[] next = new int[wide];
        next[0] = prompt;
        for (int step = 0; step < steps; step++) {
            for (int n : new int[] {1, wide}) {
                for (int s = 0; s < n; s++) {
                    rowTokens[s] = (step * wide + s) % vocab;
                    rowPositions[s] = next[s]++;
                    rowCaches[s] = slots[s].cache;
                    rowLogits[s] = slots[s].logits;
                }
                model.forward(n, rowTokens, rowPositions, rowCaches, rowLogits, batch);
            }
        }
        Arrays.fill(rowCaches, null);
        Arrays.fill(rowLogits, null);
        return (System.nanoTime() - start) / 1e9;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Active plus waiting sequences: the load signal an autoscaler reads. */
    public int load() {
        return active() + queue.size();
    }

    private int active() {
        int active = 0;
        for (Slot s : slots) {
            if (s.handle != null) {
                active++;
            }
        }
        return active;
    }

    /**
     * Positions held in the KV caches by running sequences, read from another thread (a gauge may see a step
     * late). An idle slot's cached prefix is not counted: any new request may take its place.
     */
    private int kvTokens() {
        int held = 0;
        for (Slot s : slots) {
            if (s.handle != null) {
                held += s.position;
            }
        }
        return held;
    }

    /** A submitted request; {@link #close()} cancels it (its slot is freed at the next step). */
    public static final class Handle implements AutoCloseable {
        final GenerationRequest request;
        final AtomicBoolean cancelled = new AtomicBoolean();
        final long submitted = System.nanoTime();

        Handle(GenerationRequest request) {
            this.request = request;
        }

        @Override
        public void close() {
            cancelled.set(true);
        }
    }

    /** Thrown when the wait queue is full: the caller answers 429. */
    public static final class QueueFullException extends RuntimeException {
        QueueFullException() {
            super("the server is at capacity", null, false, false);
        }
    }

    public int slotCount() {
        return slots.length;
    }

    public Handle submit(GenerationRequest request) {
        return submitAll(List.of(request)).getFirst();
    }

    /**
     * Queues several sequences (the choices of one request) all or none: when the queue cannot take them
     * all, those already queued are cancelled and {@link QueueFullException} is thrown.
     */
    public List<Handle> submitAll(List<GenerationRequest> requests) {
        List<Handle> handles = new ArrayList<>();
        for (GenerationRequest request : requests) {
            if (request.prompt().size() + request.maxTokens() > contextSize) {
                throw new IllegalArgumentException("prompt and max_tokens exceed the context");
            }
            handles.add(new Handle(request));
        }
        synchronized (queue) {
            if (running && queue.remainingCapacity() >= handles.size()) {
                int queued = 0;
                for (Handle h : handles) {
                    if (!queue.offer(h)) {
                        break;
                    }
                    queued++;
                }
                if (queued == handles.size()) {
                    return handles;
                }
            }
        }
        handles.forEach(Handle::close);
        throw new QueueFullException();
    }

    private void run() {
        while (running) {
            try {
                admit();
                if (!step()) {
                    Handle next = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        start(next);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("The inference loop failed a step", e);
                for (Slot slot : slots) {
                    if (slot.handle != null) {
                        slot.finish(null, "the engine failed to generate");
                    }
                    slot.position = 0; // what the failed pass wrote to the caches is not to be reused
                }
            }
        }
    }

    /**
     * One step: every decoding slot samples its next token (and may finish); then a single batched
     * forward pass runs each continuing slot's new token and up to {@code prefillChunk} prompt tokens, taken
     * from the prefilling slots in the order their requests started. Returns false when no slot was active.
     */
    private boolean step() {
        int rows = 0;
        int waiting = 0;
        boolean any = false;
        for (Slot slot : slots) {
            if (slot.handle == null) {
                continue;
            }
            any = true;
            if (slot.handle.cancelled.get()) {
                slot.finish("cancelled", null);
                continue;
            }
            if (slot.position < slot.handle.request.prompt().size()) {
                prefilling[waiting++] = slot;
                continue;
            }
            int token = decode(slot);
            if (token >= 0) {
                slot.ids[slot.position] = token;
                rowTokens[rows] = token;
                rowPositions[rows] = slot.position;
                rowCaches[rows] = slot.cache;
                rowLogits[rows++] = slot.logits;
                slot.advanceTo = slot.position + 1;
            }
        }
        rows = prefill(rows, waiting);
        if (rows > 0) {
            model.forward(rows, rowTokens, rowPositions, rowCaches, rowLogits, batch);
            if (metrics != null) {
                metrics.pass(rows);
            }
            for (Slot slot : slots) {
                if (slot.handle != null && slot.advanceTo > slot.position) {
                    slot.position = slot.advanceTo;
                }
            }
        }
        return any;
    }

    /**
     * Adds this step's prompt rows after the {@code rows} decode rows: {@code prefillChunk} tokens in all, from
     * the {@code waiting} prefilling slots in the order their requests started (so the earliest gets its first
     * token soonest), each from where its prompt stands. Only a prompt's last position needs logits. Returns
     * the step's row count.
     */
    private int prefill(int rows, int waiting) {
        Arrays.sort(prefilling, 0, waiting, Comparator.comparingLong(s -> s.lastUsed));
        int budget = prefillChunk;
        for (int i = 0; i < waiting && budget > 0; i++) {
            Slot slot = prefilling[i];
            List<Integer> prompt = slot.handle.request.prompt();
            int end = Math.min(prompt.size(), slot.position + budget);
            for (int pos = slot.position; pos < end; pos++) {
                slot.ids[pos] = prompt.get(pos);
                rowTokens[rows] = prompt.get(pos);
                rowPositions[rows] = pos;
                rowCaches[rows] = slot.cache;
                rowLogits[rows++] = pos == prompt.size() - 1 ? slot.logits : null;
            }
            budget -= end - slot.position;
            slot.advanceTo = end;
        }
        Arrays.fill(prefilling, 0, waiting, null);
        return rows;
    }

    /** Samples a slot's next token from its logits and emits it; -1 when the slot finished instead. */
    private int decode(Slot slot) {
        Handle h = slot.handle;
        int token = slot.sampler.sample(slot.logits, slot.history, slot.json);
        if (token < 0) {
            flushHeldText(slot);
            slot.finish(null, "no token of the vocabulary can continue the JSON output");
            return -1;
        }
        slot.history.add(token);
        slot.generated++;
        long now = System.nanoTime();
        if (metrics != null) {
            if (slot.generated == 1) {
                metrics.prompt(h.request.prompt().size());
                metrics.firstToken(now - h.submitted);
            }
            metrics.token(slot.generated == 1 ? 0 : now - slot.lastToken);
        }
        slot.lastToken = now;
        if (token == tokenizer.eos() || isEndOfTurn(token)) {
            flushHeldText(slot);
            slot.finish("stop", null);
            return -1;
        }
        if (slot.json != null) {
            slot.json.accept(token);
        }
        String text = slot.utf8.add(tokenizer.tokenBytes(token));
        String visible = slot.stops.add(text);
        if (!visible.isEmpty() || h.request.logprobs() > 0) {
            h.request.listener().text(visible, List.of(output(slot, token, text)));
        }
        if (slot.stops.stopped()) {
            slot.finish("stop", null);
            return -1;
        }
        if (slot.json != null && slot.json.done()) {
            flushHeldText(slot);
            slot.finish("stop", null);
            return -1;
        }
        if (slot.generated >= h.request.maxTokens() || slot.position >= contextSize) {
            flushHeldText(slot);
            slot.finish("length", null);
            return -1;
        }
        return token;
    }

    private void admit() {
        while (true) {
            boolean free = false;
            for (Slot slot : slots) {
                free |= slot.handle == null;
            }
            Handle next = free ? queue.poll() : null;
            if (next == null) {
                return;
            }
            start(next);
        }
    }

    /**
     * Starts a request in the free slot whose cache holds the longest prefix of its prompt (prefix reuse: a
     * follow-up chat turn does not compute the conversation again); among equals, the one used longest ago,
     * so that recent conversations stay cached. At least the prompt's last token is computed again, for its
     * logits.
     */
    private void start(Handle next) {
        List<Integer> prompt = next.request.prompt();
        Slot best = null;
        int bestReuse = -1;
        for (Slot slot : slots) {
            if (slot.handle != null) {
                continue;
            }
            int reuse = 0;
            if (next.request.cachePrompt()) {
                int limit = Math.min(slot.position, prompt.size() - 1);
                while (reuse < limit && slot.ids[reuse] == prompt.get(reuse)) {
                    reuse++;
                }
            }
            if (reuse > bestReuse || (reuse == bestReuse && slot.lastUsed < best.lastUsed)) {
                best = slot;
                bestReuse = reuse;
            }
        }
        if (best == null) {
            throw new IllegalStateException("no free slot although one was counted");
        }
        best.start(next, vocabulary, bestReuse, ++starts);
        if (metrics != null) {
            metrics.cached(bestReuse);
        }
    }

    /** Text held back as a possible stop string or half a character turns out to be plain text. */
    private static void flushHeldText(Slot slot) {
        String rest = slot.stops.add(slot.utf8.flush()) + slot.stops.flush();
        if (!rest.isEmpty()) {
            slot.handle.request.listener().text(rest, List.of());
        }
    }

    private boolean isEndOfTurn(int token) {
        String piece = tokenizer.piece(token);
        return piece.equals("<|eot_id|>") || piece.equals("<|im_end|>") || piece.equals("<|end|>")
                || piece.equals("<end_of_turn>");
    }

    private GenerationListener.TokenOutput output(Slot slot, int token, String text) {
        int n = slot.handle.request.logprobs();
        if (n <= 0) {
            return new GenerationListener.TokenOutput(token, text, 0f, List.of());
        }
        List<Sampler.TokenLogprob> top = Sampler.topLogprobs(slot.logits, Math.max(n, 1));
        float chosen = Sampler.topLogprobs(slot.logits, tokenizer.vocabularySize()).stream()
                .filter(t -> t.token() == token).findFirst().map(Sampler.TokenLogprob::logprob).orElse(Float.NaN);
        return new GenerationListener.TokenOutput(token, text, chosen, top.stream().map(t ->
                new GenerationListener.Alternative(t.token(),
                        new String(tokenizer.tokenBytes(t.token()), StandardCharsets.UTF_8), t.logprob())).toList());
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Slot slot : slots) {
            if (slot.handle != null) {
                slot.finish(null, "the server is shutting down");
            }
        }
        Handle waiting;
        while ((waiting = queue.poll()) != null) {
            waiting.request.listener().failed("the server is shutting down");
        }
    }
}
