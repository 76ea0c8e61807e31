package dev.ignis.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkersTest {

    @Test
    void everyTaskRunsExactlyOnceWhateverTheThreadCount() {
        for (int threads = 1; threads <= 3; threads++) {
            try (Workers workers = Workers.of(threads)) {
                AtomicIntegerArray runs = new AtomicIntegerArray(1000);
                workers.forEach(1000, runs::incrementAndGet);
                for (int i = 0; i < 1000; i++) {
                    assertThat(runs.get(i)).as("task %d with %d threads", i, threads).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void aPoolOfNRunsNTasksAtOnceOnAtMostNOfItsThreads() throws Exception {
        try (Workers workers = Workers.of(3)) {
            // Three tasks that each wait for the other two: only completes if three run at the same time.
            CyclicBarrier together = new CyclicBarrier(3);
            Set<Thread> used = ConcurrentHashMap.newKeySet();
            workers.forEach(3, i -> {
                used.add(Thread.currentThread());
                try {
                    together.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            workers.forEach(300, i -> used.add(Thread.currentThread()));
            used.remove(Thread.currentThread());
            assertThat(used).hasSizeLessThanOrEqualTo(3).isNotEmpty();
        }
    }

    @Test
    void oneThreadRunsOnTheCaller() {
        try (Workers workers = Workers.of(1)) {
            Set<Thread> used = ConcurrentHashMap.newKeySet();
            workers.forEach(50, i -> used.add(Thread.currentThread()));
            assertThat(used).containsExactly(Thread.currentThread());
        }
    }

    @Test
    void badCountsAreRefusedWithTheValue() {
        assertThatThrownBy(() -> Workers.of(0)).hasMessageContaining("got 0");
        assertThatThrownBy(() -> Workers.parse("many")).hasMessageContaining("'many'");
        assertThat(Workers.parse(" 4 ")).isEqualTo(4);
        assertThat(Workers.common().threads()).isPositive();
    }
}
