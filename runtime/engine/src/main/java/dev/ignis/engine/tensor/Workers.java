package dev.ignis.engine.tensor;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The threads the kernels (matrix products, attention) split their work over: the calling thread and
 * {@code threads - 1} helper threads of the team's own. {@link #common()} is a team sized to the available
 * processors, shared by the models that use every processor; {@link #of} makes one of exactly that many
 * threads, owned by whoever created it (a loaded model closes its own). One thread runs everything on the
 * caller. Each output value is computed by one task, the same way whatever the thread count, so the numbers
 * never depend on how many threads computed them.
 *
 * <p>Why not a {@code ForkJoinPool}: a decode step is some 110 products of a few milliseconds or less,
 * each a separate {@link #forEach}, and a pool's idle workers park between them, so every product began
 * by waking them and the caller then blocked until they were done. Here the caller takes tasks itself
 * (only the helpers that parked are woken, with one {@code unpark} each), and tasks are handed out one at
 * a time from a counter, so a thread that was descheduled does not hold up the others' share. On 112
 * products of a 512-row Q8_0 matrix (1.1 MB, in cache), two threads took 3.0 ms where the pool took
 * 5.5-7.3, slower than one thread alone (5.1-5.4). Helpers may also spin for {@code
 * ignis.engine.spin-micros} after a job before they park (default 0), so that the next product finds them
 * awake; spinning was slower on a host whose other core was busy (a spinning helper takes the core its
 * caller needs, and under a container's CPU quota it burns the quota), so it is off unless asked for.
 *
 * <p>One job at a time: a second caller while a job runs (another thread, or a task calling {@link
 * #forEach} again) runs its tasks alone on its own thread, so nothing waits for a team that is busy with
 * the caller's own job.
 */
public final class Workers implements AutoCloseable {

    /** Threads a model uses unless told otherwise: {@code -Dignis.engine.threads}, else every available processor. */
    public static int defaultThreads() {
        String configured = System.getProperty("ignis.engine.threads");
        return configured == null ? Runtime.getRuntime().availableProcessors() : parse(configured);
    }

    /** How long idle helpers spin before parking: {@code -Dignis.engine.spin-micros}, 0 to 100000 (default 0). */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(spinMicros(System.getProperty("ignis.engine.spin-micros")));

    private static final Workers COMMON = create(Runtime.getRuntime().availableProcessors(), false, SPIN_NANOS);

    private final int threads;
    private final Team team; // null when one thread: the caller runs every task
    private final boolean owned;

    private Workers(int threads, Team team, boolean owned) {
        this.threads = threads;
        this.team = team;
        this.owned = owned;
    }

    private static Workers create(int threads, boolean owned, long spinNanos) {
        return threads == 1 ? new Workers(1, null, false) : new Workers(threads, new Team(threads - 1, spinNanos), owned);
    }

    /**
     * Items per task when {@code items} items of {@code itemBytes} bytes each are processed over the shared
     * team at load (repacking, converting): at most about 4 MB per task, and at least four tasks per thread
     * when there are enough items, so that the threads finish together (one task of a 512-row matrix
     * would leave the other threads idle).
     */
    static int perTask(int items, long itemBytes) {
        long byBytes = Math.max(1, (4L << 20) / Math.max(1, itemBytes));
        long balanced = Math.max(1, (items + 4L * COMMON.threads() - 1) / (4L * COMMON.threads()));
        return (int) Math.max(1, Math.min(items, Math.min(byBytes, balanced)));
    }

    /** The shared team (its helpers plus the calling thread): nothing to close. */
    public static Workers common() {
        return COMMON;
    }

    /**
     * {@code threads} threads: the caller and {@code threads - 1} helpers of its own, or the caller alone for 1.
     *
     * @throws IllegalArgumentException when {@code threads} is not between 1 and 4096
     */
    public static Workers of(int threads) {
        return of(threads, SPIN_NANOS);
    }

    /** {@link #of(int)} whose idle helpers spin for {@code spinNanos} before they park. */
    static Workers of(int threads, long spinNanos) {
        if (threads < 1 || threads > 4096) {
            throw new IllegalArgumentException("threads must be 1 to 4096, got " + threads);
        }
        return create(threads, true, spinNanos);
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

    static long spinMicros(String micros) {
        if (micros == null) {
            return 0;
        }
        try {
            long n = Long.parseLong(micros.strip());
            if (n >= 0 && n <= 100_000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the accepted range
        }
        throw new IllegalArgumentException("ignis.engine.spin-micros must be an integer from 0 to 100000, got '"
                + micros + "'");
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} for every index in {@code [0, tasks)} over the threads; returns when all are done. If
     * a task throws, the other tasks still run, and the first exception is thrown here (an unchecked one as
     * it is, a checked one wrapped).
     */
    public void forEach(int tasks, IntConsumer task) {
        if (team == null || tasks <= 1 || !team.busy.compareAndSet(false, true)) {
            for (int i = 0; i < tasks; i++) {
                task.accept(i);
            }
            return;
        }
        try {
            team.run(new Job(task, tasks));
        } finally {
            team.busy.set(false);
        }
    }

    @Override
    public void close() {
        if (owned && team != null) {
            team.close();
        }
    }

    /** One {@link #forEach} call: its tasks, handed out one at a time, and how many have finished. */
    private static final class Job {
        private final IntConsumer task;
        private final int tasks;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(IntConsumer task, int tasks) {
            this.task = task;
            this.tasks = tasks;
        }

        /** Runs tasks until none is left to take. */
        void work() {
            int i;
            while ((i = next.getAndIncrement()) < tasks) {
                try {
                    task.accept(i);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    finished.incrementAndGet();
                }
            }
        }

        boolean done() {
            return finished.get() >= tasks;
        }
    }

    /** The helper threads, and the job they are given (a new object per call, so a late helper never mixes two). */
    private static final class Team {
        private static final AtomicInteger TEAMS = new AtomicInteger();

        final AtomicBoolean busy = new AtomicBoolean();
        private final Thread[] helpers;
        private final boolean[] parked; // guarded by the volatile reads and writes around it (see await)
        private volatile Job job;
        private volatile boolean closed;
        private final Object parkedLock = new Object();
        private final long spinNanos;

        Team(int size, long spinNanos) {
            this.spinNanos = spinNanos;
            helpers = new Thread[size];
            parked = new boolean[size];
            int team = TEAMS.incrementAndGet();
            for (int h = 0; h < size; h++) {
                int index = h;
                helpers[h] = Thread.ofPlatform().daemon().name("ignis-engine-" + team + "-worker-" + (h + 1))
                        .unstarted(() -> helperLoop(index));
                helpers[h].start();
            }
        }

        void run(Job j) {
            job = j;
            wake();
            j.work();
            // The helpers' last tasks: spin (they are short), yielding now and then in case a helper was
            // descheduled in the middle of one.
            long spins = 0;
            while (!j.done()) {
                if (++spins % 1024 == 0) {
                    Thread.yield();
                } else {
                    Thread.onSpinWait();
                }
            }
            Throwable failure = j.failure.get();
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
        }

        /** Unparks the helpers that went to sleep; the ones still spinning see the new job by themselves. */
        private void wake() {
            synchronized (parkedLock) {
                for (int h = 0; h < helpers.length; h++) {
                    if (parked[h]) {
                        LockSupport.unpark(helpers[h]);
                    }
                }
            }
        }

        private void helperLoop(int index) {
            Job seen = null;
            while (!closed) {
                Job j = await(index, seen);
                if (j == null) {
                    return;
                }
                seen = j;
                j.work();
            }
        }

        /** The next job after {@code seen}, or null once closed: spins for {@code spinNanos}, then parks. */
        private Job await(int index, Job seen) {
            long start = System.nanoTime();
            while (true) {
                Job j = job;
                if (closed) {
                    return null;
                }
                if (j != seen) {
                    return j;
                }
                if (System.nanoTime() - start < spinNanos) {
                    Thread.onSpinWait();
                    continue;
                }
                synchronized (parkedLock) {
                    parked[index] = true;
                }
                // Checked again after saying so: a job published before the flag was set is seen here, one
                // published after it finds the flag and unparks this thread.
                if (job == seen && !closed) {
                    LockSupport.park(this);
                }
                synchronized (parkedLock) {
                    parked[index] = false;
                }
                start = System.nanoTime();
            }
        }

        void close() {
            closed = true;
            for (Thread helper : helpers) {
                LockSupport.unpark(helper);
            }
        }
    }
}
