package dev.ignis.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkersTest {

    /** With helpers that park at once (the default) and with helpers that spin a while first. */
    @Test
    void everyTaskRunsExactlyOnceWhateverTheThreadCount() {
        for (long spinNanos : new long[] {0, 1_000_000}) {
            for (int threads = 1; threads <= 3; threads++) {
                everyTaskRunsOnce(threads, spinNanos);
            }
        }
    }

    private static void everyTaskRunsOnce(int threads, long spinNanos) {
        try (Workers workers = Workers.of(threads, spinNanos)) {
            for (int round = 0; round < 300; round++) {
                AtomicIntegerArray runs = new AtomicIntegerArray(round % 7 * 10);
                workers.forEach(runs.length(), runs::incrementAndGet);
                for (int i = 0; i < runs.length(); i++) {
                    assertThat(runs.get(i)).as("task %d with %d threads, spin %d ns", i, threads, spinNanos).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void aThousandTasksRunOnceEachWhateverTheThreadCount() {
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

    @Test
    void aFailingTaskIsThrownToTheCallerAfterTheOthersRanAndTheTeamStaysUsable() {
        try (Workers workers = Workers.of(3)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(200);
            assertThatThrownBy(() -> workers.forEach(200, i -> {
                runs.incrementAndGet(i);
                if (i == 57) {
                    throw new IllegalArgumentException("task 57 failed");
                }
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("task 57 failed");
            for (int i = 0; i < 200; i++) {
                assertThat(runs.get(i)).as("task %d", i).isEqualTo(1);
            }
            AtomicInteger after = new AtomicInteger();
            workers.forEach(100, i -> after.incrementAndGet());
            assertThat(after).hasValue(100);
        }
    }

    @Test
    void aTaskThatCallsForEachAgainRunsTheInnerTasksOnItsOwnThread() {
        try (Workers workers = Workers.of(2)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(8 * 50);
            workers.forEach(8, outer -> {
                Thread self = Thread.currentThread();
                workers.forEach(50, inner -> {
                    assertThat(Thread.currentThread()).isSameAs(self);
                    runs.incrementAndGet(outer * 50 + inner);
                });
            });
            for (int i = 0; i < runs.length(); i++) {
                assertThat(runs.get(i)).as("task %d", i).isEqualTo(1);
            }
        }
    }

    /** Callers on several threads at once (a chat model and an embedding model sharing the common team). */
    @Test
    void concurrentCallersEachGetEveryTaskOnce() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try (Workers workers = Workers.of(2)) {
            List<Future<AtomicIntegerArray>> results = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                results.add(callers.submit(() -> {
                    AtomicIntegerArray runs = new AtomicIntegerArray(300);
                    for (int round = 0; round < 200; round++) {
                        workers.forEach(300, runs::incrementAndGet);
                    }
                    return runs;
                }));
            }
            for (Future<AtomicIntegerArray> result : results) {
                AtomicIntegerArray runs = result.get(60, TimeUnit.SECONDS);
                for (int i = 0; i < runs.length(); i++) {
                    assertThat(runs.get(i)).as("task %d", i).isEqualTo(200);
                }
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void closingATeamStopsItsThreads() throws Exception {
        Set<Thread> used = ConcurrentHashMap.newKeySet();
        Workers workers = Workers.of(3);
        // Tasks that wait for each other, so that the helpers surely take some.
        CyclicBarrier together = new CyclicBarrier(3);
        workers.forEach(3, i -> {
            used.add(Thread.currentThread());
            try {
                together.await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        used.remove(Thread.currentThread());
        assertThat(used).hasSize(2);
        workers.close();
        for (Thread helper : used) {
            helper.join(10_000);
            assertThat(helper.isAlive()).as(helper.getName()).isFalse();
        }
    }

    @Test
    void theSpinSettingIsValidated() {
        assertThat(Workers.spinMicros(null)).isZero();
        assertThat(Workers.spinMicros(" 50 ")).isEqualTo(50);
        assertThatThrownBy(() -> Workers.spinMicros("-1")).hasMessageContaining("ignis.engine.spin-micros")
                .hasMessageContaining("'-1'");
        assertThatThrownBy(() -> Workers.spinMicros("soon")).hasMessageContaining("'soon'");
    }
}
