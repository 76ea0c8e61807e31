package dev.ignis.runtime.inference;

import dev.ignis.engine.generate.StopMatcher;
import dev.ignis.engine.generate.Utf8Stream;
import dev.ignis.engine.model.KvCache;
import dev.ignis.engine.model.Llama;
import dev.ignis.engine.model.ModelLoader;
import dev.ignis.engine.sampling.Sampler;
import dev.ignis.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The one thread that owns the model. It keeps a fixed number of slots, each with its own KV cache;
 * between steps, waiting requests take free slots and finished or cancelled ones leave (continuous
 * batching). Every step advances each active slot: a chunk of its prompt, or one generated token.
 * Slots are advanced one after another over the same weights; a single pass over the weights for all of
 * them needs the engine's batched forward pass, which comes next.
 */
public final class InferenceLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(InferenceLoop.class);

    private final Llama model;
    private final Tokenizer tokenizer;
    private final int contextSize;
    private final int prefillChunk;
    private final BlockingQueue<Handle> queue;
    private final Slot[] slots;
    private final Thread thread;
    private volatile boolean running = true;

    public InferenceLoop(ModelLoader.LoadedModel loaded, int slotCount, int contextSize, int queueSize,
                         int prefillChunk) {
        if (slotCount < 1 || queueSize < 1 || prefillChunk < 1) {
            throw new IllegalArgumentException("slots, queue size and prefill chunk must be at least 1");
        }
        this.model = loaded.model();
        this.tokenizer = loaded.tokenizer();
        this.contextSize = contextSize;
        this.prefillChunk = prefillChunk;
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.slots = new Slot[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new Slot(model.newCache(contextSize), new Llama.State(model.config(), contextSize));
        }
        this.thread = new Thread(this::run, "ignis-inference");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    public int contextSize() {
        return contextSize;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Active plus waiting sequences: the load signal an autoscaler reads. */
    public int load() {
        int active = 0;
        for (Slot s : slots) {
            if (s.handle != null) {
                active++;
            }
        }
        return active + queue.size();
    }

    /** A submitted request; {@link #close()} cancels it (its slot is freed at the next step). */
    public static final class Handle implements AutoCloseable {
        final GenerationRequest request;
        final AtomicBoolean cancelled = new AtomicBoolean();

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

    public Handle submit(GenerationRequest request) {
        if (request.prompt().size() + request.maxTokens() > contextSize) {
            throw new IllegalArgumentException("prompt and max_tokens exceed the context");
        }
        Handle handle = new Handle(request);
        if (!running || !queue.offer(handle)) {
            throw new QueueFullException();
        }
        return handle;
    }

    private void run() {
        while (running) {
            try {
                admit();
                boolean any = false;
                for (Slot slot : slots) {
                    if (slot.handle != null) {
                        any = true;
                        step(slot);
                    }
                }
                if (!any) {
                    Handle next = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        free().start(next);
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
                }
            }
        }
    }

    private void admit() {
        for (Slot slot : slots) {
            if (slot.handle == null) {
                Handle next = queue.poll();
                if (next == null) {
                    return;
                }
                slot.start(next);
            }
        }
    }

    private Slot free() {
        for (Slot slot : slots) {
            if (slot.handle == null) {
                return slot;
            }
        }
        throw new IllegalStateException("no free slot although none is active");
    }

    private void step(Slot slot) {
        Handle h = slot.handle;
        if (h.cancelled.get()) {
            slot.finish("cancelled", null);
            return;
        }
        List<Integer> prompt = h.request.prompt();
        if (slot.position < prompt.size()) {
            // Prefill a chunk of the prompt; only the last prompt position's logits are used.
            int end = Math.min(prompt.size(), slot.position + prefillChunk);
            for (; slot.position < end; slot.position++) {
                slot.logits = model.forward(prompt.get(slot.position), slot.position, slot.cache, slot.state);
            }
            return;
        }
        int token = slot.sampler.sample(slot.logits, slot.history);
        slot.history.add(token);
        slot.generated++;
        if (token == tokenizer.eos() || isEndOfTurn(token)) {
            flushHeldText(slot);
            slot.finish("stop", null);
            return;
        }
        String text = slot.utf8.add(tokenizer.tokenBytes(token));
        String visible = slot.stops.add(text);
        List<GenerationListener.TokenOutput> outputs = List.of(output(slot, token, text));
        if (!visible.isEmpty() || h.request.logprobs() > 0) {
            h.request.listener().text(visible, outputs);
        }
        if (slot.stops.stopped()) {
            slot.finish("stop", null);
            return;
        }
        if (slot.generated >= h.request.maxTokens() || slot.position >= contextSize) {
            flushHeldText(slot);
            slot.finish("length", null);
            return;
        }
        slot.logits = model.forward(token, slot.position, slot.cache, slot.state);
        slot.position++;
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

    /** One sequence's place in the loop: its KV cache and scratch buffers are reused by the next request. */
    private static final class Slot {
        final KvCache cache;
        final Llama.State state;
        Handle handle;
        int position;
        int generated;
        float[] logits;
        List<Integer> history;
        Sampler sampler;
        StopMatcher stops;
        Utf8Stream utf8;

        Slot(KvCache cache, Llama.State state) {
            this.cache = cache;
            this.state = state;
        }

        void start(Handle h) {
            handle = h;
            position = 0;
            generated = 0;
            logits = null;
            history = new ArrayList<>(h.request.prompt());
            sampler = new Sampler(h.request.sampling());
            stops = new StopMatcher(h.request.stops());
            utf8 = new Utf8Stream();
        }

        void finish(String reason, String error) {
            Handle h = handle;
            handle = null;
            if (error != null) {
                h.request.listener().failed(error);
            } else {
                h.request.listener().done(reason, h.request.prompt().size(), generated);
            }
        }
    }
}
