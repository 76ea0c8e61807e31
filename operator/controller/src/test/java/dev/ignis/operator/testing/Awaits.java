package dev.ignis.operator.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Waiting for what an operator or an informer does asynchronously. */
public final class Awaits {

    private Awaits() {
    }

    /** Polls until {@code probe} returns non-null, every 50 ms, up to 20 s; the value it returned. */
    public static <T> T await(Supplier<T> probe) {
        return await(probe, Duration.ofSeconds(20), () -> "");
    }

    /** Like {@link #await(Supplier)}, with {@code context} added to the failure message. */
    public static <T> T await(Supplier<T> probe, Duration limit, Supplier<String> context) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                String more = context.get();
                throw new AssertionError("condition not reached within " + limit.toSeconds() + " s"
                        + (more.isEmpty() ? "" : "; " + more));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
