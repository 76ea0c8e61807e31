package dev.ignis.engine.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * The threads the kernels (matrix products, attention) split their work over. {@link #common()} is the JVM's
 * common pool, sized to the available processors; {@link #of} makes a pool of exactly that many threads,
 * owned by whoever created it (a loaded model closes its own). One thread runs everything on the caller.
 * Each output value is computed by one task, the same way whatever the thread count, so the numbers never
 * depend on how many threads computed them.
 */
public final class Workers implements AutoCloseable {

    /** Threads a model uses unless told otherwise: {@code -Dignis.engine.threads}, else every available processor. */
    public static int defaultThreads() {
        String configured = System.getProperty("ignis.engine.threads");
        return configured == null ? Runtime.getRuntime().availableProcessors() : parse(configured);
    }

    private static final Workers COMMON = new Workers(ForkJoinPool.getCommonPoolParallelism() + 1,
            ForkJoinPool.commonPool(), false);

    private final int threads;
    private final ForkJoinPool pool; // null when one thread: the caller runs every task
    private final boolean owned;

    private Workers(int threads, ForkJoinPool pool, boolean owned) {
        this.threads = threads;
        this.pool = pool;
        this.owned = owned;
    }

    /** The common pool (its workers plus the calling thread): nothing to close. */
    public static Workers common() {
        return COMMON;
    }

    /**
     * {@code threads} threads of its own, or the caller alone for 1.
     *
     * @throws IllegalArgumentException when {@code threads} is not between 1 and 4096
     */
    public static Workers of(int threads) {
        if (threads < 1 || threads > 4096) {
            throw new IllegalArgumentException("threads must be 1 to 4096, got " + threads);
        }
        return threads == 1 ? new Workers(1, null, false) : new Workers(threads, new ForkJoinPool(threads), true);
    }

    /** Parses a thread count as a setting spells it, with a message naming the bad value. */
    public static int parse(String threads) {
        try {
            int n = Integer.parseInt(threads.strip());
            if (n >= 1 && n <= 4096) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the accepted range
        }
        throw new IllegalArgumentException("threads must be an integer from 1 to 4096, got '" + threads + "'");
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} for every index in {@code [0, tasks)} over the threads; returns when all are done. */
    public void forEach(int tasks, IntConsumer task) {
        if (pool == null || tasks <= 1) {
            for (int i = 0; i < tasks; i++) {
                task.accept(i);
            }
            return;
        }
        pool.invoke(new Range(task, 0, tasks));
    }

    /** Halves a range of task indices until one is left, so idle threads steal the other halves. */
    private static final class Range extends RecursiveAction {
        private final IntConsumer task;
        private final int from;
        private final int to;

        Range(IntConsumer task, int from, int to) {
            this.task = task;
            this.from = from;
            this.to = to;
        }

        @Override
        protected void compute() {
            if (to - from == 1) {
                task.accept(from);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new Range(task, from, mid), new Range(task, mid, to));
        }
    }

    @Override
    public void close() {
        if (owned) {
            pool.shutdown();
        }
    }
}
