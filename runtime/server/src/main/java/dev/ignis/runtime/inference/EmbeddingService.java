package dev.ignis.runtime.inference;

import dev.ignis.engine.model.Bert;
import dev.ignis.engine.model.ModelLoader;
import dev.ignis.engine.tokenizer.WordPieceTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Runs an embedding model off the event loop: a fixed number of worker threads (each request's inputs are
 * tokenized and embedded together, in one batched call) behind a bounded queue; a full queue is refused at
 * once so that the caller can answer 429. The matrix work inside one call still spreads over every core.
 */
public final class EmbeddingService implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddingService.class);

    private final Bert model;
    private final WordPieceTokenizer tokenizer;
    private final int contextSize;
    private final ThreadPoolExecutor workers;
    private final AtomicInteger active = new AtomicInteger();
    private final RuntimeMetrics metrics;

    /** One input: text to tokenize, or token ids as the client sent them. */
    public sealed interface Input {
        record Text(String text) implements Input {
        }

        record Tokens(int[] ids) implements Input {
        }
    }

    /** The embeddings, in input order, and the tokens they read ([CLS] and [SEP] included). */
    public record Result(float[][] embeddings, int promptTokens) {
    }

    /** An input has more tokens than the context allows. */
    public static final class TooLongException extends RuntimeException {
        private final int index;

        TooLongException(int index, String message) {
            super(message, null, false, false);
            this.index = index;
        }

        public int index() {
            return index;
        }
    }

    /** The request was abandoned (client gone or out of time) before a worker took it. */
    public static final class AbandonedException extends RuntimeException {
        AbandonedException() {
            super("abandoned before it ran", null, false, false);
        }
    }

    public EmbeddingService(ModelLoader.LoadedEncoder loaded, int workerCount, int contextSize, int queueSize,
                            io.micrometer.core.instrument.MeterRegistry registry) {
        if (workerCount < 1 || queueSize < 1) {
            throw new IllegalArgumentException("embedding workers and queue size must be at least 1");
        }
        this.model = loaded.model();
        this.tokenizer = loaded.tokenizer();
        this.contextSize = contextSize;
        AtomicInteger threads = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(workerCount, workerCount, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueSize), r -> {
                    Thread t = new Thread(r, "ignis-embedding-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.metrics = registry == null ? null : new RuntimeMetrics(registry, active::get, workers.getQueue()::size);
    }

    public WordPieceTokenizer tokenizer() {
        return tokenizer;
    }

    /** The longest input, in tokens with [CLS] and [SEP]. */
    public int contextSize() {
        return contextSize;
    }

    public int dimensions() {
        return model.config().dim();
    }

    /**
     * Queues the inputs for a worker. The future fails with {@link TooLongException} for an input over the
     * context, with {@link AbandonedException} when {@code abandoned} is true by the time a worker takes it.
     *
     * @throws InferenceLoop.QueueFullException when the queue is full
     */
    public CompletableFuture<Result> submit(List<Input> inputs, BooleanSupplier abandoned) {
        CompletableFuture<Result> future = new CompletableFuture<>();
        try {
            workers.execute(() -> {
                if (abandoned.getAsBoolean()) {
                    future.completeExceptionally(new AbandonedException());
                    return;
                }
                active.incrementAndGet();
                try {
                    future.complete(run(inputs));
                } catch (TooLongException e) {
                    future.completeExceptionally(e);
                } catch (RuntimeException e) {
                    LOG.errorf(e, "Embedding failed");
                    future.completeExceptionally(e);
                } finally {
                    active.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            throw new InferenceLoop.QueueFullException();
        }
        return future;
    }

    private Result run(List<Input> inputs) {
        long start = System.nanoTime();
        List<int[]> sequences = new ArrayList<>(inputs.size());
        int tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            int[] ids = switch (inputs.get(i)) {
                case Input.Text t -> tokenizer.encodeForEmbedding(t.text()).stream().mapToInt(Integer::intValue).toArray();
                case Input.Tokens t -> wrapped(t.ids());
            };
            if (ids.length > contextSize) {
                throw new TooLongException(i, "input " + i + " has " + ids.length + " tokens with [CLS] and [SEP];"
                        + " this model's context is " + contextSize + " tokens");
            }
            sequences.add(ids);
            tokens += ids.length;
        }
        float[][] embeddings = model.embed(sequences);
        if (metrics != null) {
            metrics.prompt(tokens);
            metrics.embedded(inputs.size(), System.nanoTime() - start);
        }
        return new Result(embeddings, tokens);
    }

    /** Token ids get [CLS] in front and [SEP] at the end, unless the client already put them there. */
    private int[] wrapped(int[] ids) {
        boolean cls = ids.length > 0 && ids[0] == tokenizer.bos();
        boolean sep = ids.length > (cls ? 1 : 0) && ids[ids.length - 1] == tokenizer.eos();
        int[] out = new int[ids.length + (cls ? 0 : 1) + (sep ? 0 : 1)];
        int at = 0;
        if (!cls) {
            out[at++] = tokenizer.bos();
        }
        System.arraycopy(ids, 0, out, at, ids.length);
        if (!sep) {
            out[out.length - 1] = tokenizer.eos();
        }
        return out;
    }

    @Override
    public void close() {
        workers.shutdownNow();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
