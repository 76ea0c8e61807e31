package dev.ignis.engine.bench;

import dev.ignis.engine.model.KvCache;
import dev.ignis.engine.model.Llama;
import dev.ignis.engine.model.ModelLoader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures, in one run, what the machine allows and what the engine does: memory read bandwidth (a
 * STREAM-like sum over a buffer larger than the caches), peak FMA throughput, then the model's prompt
 * processing, single-sequence decode, and aggregate decode with several sequences batched.
 */
public final class Bench {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int PROMPT_WARMUPS = 2;
    private static final int PROMPT_PASSES = 3;
    /**
     * Untimed steps before each batch size's timed ones. One was not enough: the JIT compiles the decode's
     * kernels on a compiler thread that shares the cores with the engine's threads, and until it is done
     * the steps run slower (the first calls interpreted, the Vector API's fallback allocating every vector).
     * Timing each step of a fresh JVM (synthetic Llama-3.2-1B, AMD EPYC, two threads, 2026-11-28): one
     * sequence took 90-120 ms per step for its first nine steps, then 57-69 ms; eight took 160-260 ms for
     * five steps, then 165-172 ms.
     */
    static final int DECODE_WARMUPS = 12;

    private Bench() {
    }

    public record Figures(double promptTokensPerSecond, double promptGflops,
                          double decodeTokensPerSecond, double decodeGBs, List<double[]> batched) {
    }

    /**
     * This process's resident set in bytes ({@code VmRSS} of {@code /proc/self/status}), or -1 where the
     * system does not say (not Linux).
     */
    public static long residentBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Positions each sequence's KV cache holds in {@link #run}: the prompt's, or the warm-up and timed decode steps'. */
    public static int contextSize(int promptTokens, int decodeTokens) {
        return Math.max(promptTokens, DECODE_WARMUPS + decodeTokens);
    }

    /** Bytes of the KV caches one sequence of {@code contextSize} positions holds (float32 keys and values). */
    public static long kvCacheBytes(dev.ignis.engine.model.LlamaConfig config, int contextSize) {
        return 2L * config.layers() * contextSize * config.kvDim() * Float.BYTES;
    }

    /** GB/s of reading {@code bytes} bytes with all cores, best of three passes. */
    public static double bandwidth(long bytes) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(bytes, 64);
            buffer.fill((byte) 1);
            int threads = Runtime.getRuntime().availableProcessors();
            long slice = bytes / threads / 64 * 64;
            double best = 0;
            for (int pass = 0; pass < 3; pass++) {
                long start = System.nanoTime();
                double sink = IntStream.range(0, threads).parallel().mapToDouble(t -> {
                    FloatVector acc = FloatVector.zero(F);
                    long end = (t + 1) * slice;
                    for (long o = t * slice; o < end; o += F.vectorByteSize()) {
                        acc = acc.add(FloatVector.fromMemorySegment(F, buffer, o, ByteOrder.LITTLE_ENDIAN));
                    }
                    return acc.lane(0);
                }).sum();
                double seconds = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, slice * threads / seconds / 1e9 + (sink == 42 ? 1e-9 : 0));
            }
            return best;
        }
    }

    /** Peak GFLOP/s of vector FMAs held in registers on every core (best of a few runs, after warm-up). */
    public static double peakFlops() {
        int threads = Runtime.getRuntime().availableProcessors();
        double best = 0;
        for (int run = 0; run < 4; run++) {
            long iterations = 20_000_000L;
            long start = System.nanoTime();
            double sink = IntStream.range(0, threads).parallel().mapToDouble(t -> fmaLoop(iterations)).sum();
            double seconds = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, threads * iterations * 8.0 * F.length() * 2 / seconds / 1e9 + (sink == 42 ? 1e-9 : 0));
        }
        return best;
    }

    /** Eight independent accumulators: enough to cover the FMA latency on two ports. */
    private static float fmaLoop(long iterations) {
        FloatVector a = FloatVector.broadcast(F, 1.0000001f);
        FloatVector b = FloatVector.broadcast(F, 0.9999999f);
        FloatVector c0 = FloatVector.zero(F);
        FloatVector c1 = FloatVector.zero(F);
        FloatVector c2 = FloatVector.zero(F);
        FloatVector c3 = FloatVector.zero(F);
        FloatVector c4 = FloatVector.zero(F);
        FloatVector c5 = FloatVector.zero(F);
        FloatVector c6 = FloatVector.zero(F);
        FloatVector c7 = FloatVector.zero(F);
        for (long i = 0; i < iterations; i++) {
            c0 = a.fma(b, c0);
            c1 = a.fma(b, c1);
            c2 = a.fma(b, c2);
            c3 = a.fma(b, c3);
            c4 = a.fma(b, c4);
            c5 = a.fma(b, c5);
            c6 = a.fma(b, c6);
            c7 = a.fma(b, c7);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).lane(0);
    }

    /** Runs the model benchmarks; {@code weightBytes} is what one decode step reads. */
    public static Figures run(ModelLoader.LoadedModel loaded, long weightBytes, int promptTokens, int decodeTokens,
                              int[] batchSizes) {
        Llama model = loaded.model();
        int vocab = model.config().vocabSize();
        int context = contextSize(promptTokens, decodeTokens);
        long macsPerToken = (long) model.config().layers() * ((long) model.config().dim() * model.config().qDim() * 2
                + (long) model.config().dim() * model.config().kvDim() * 2
                + 3L * model.config().dim() * model.config().hiddenDim())
                + (long) model.config().dim() * vocab;

        // Prompt processing: batches of promptTokens positions of one sequence.
        KvCache cache = model.newCache(context);
        Llama.Batch batch = new Llama.Batch(model.config(), Math.max(promptTokens, max(batchSizes)), context);
        int[] tokens = new int[promptTokens];
        int[] positions = new int[promptTokens];
        KvCache[] caches = new KvCache[promptTokens];
        float[][] logits = new float[promptTokens][];
        for (int i = 0; i < promptTokens; i++) {
            tokens[i] = 3 + (i * 7919) % (vocab - 3);
            positions[i] = i;
            caches[i] = cache;
        }
        logits[promptTokens - 1] = new float[vocab];
        // Two passes to warm up (the JIT compiles the prompt's kernels during the first), then the median of
        // three timed passes, each on a fresh cache: one pass of a short prompt lasts a fraction of a second,
        // and a single timing moved by a quarter between runs on a shared host.
        double[] passes = new double[PROMPT_WARMUPS + PROMPT_PASSES];
        for (int pass = 0; pass < passes.length; pass++) {
            cache = model.newCache(context);
            java.util.Arrays.fill(caches, cache);
            long start = System.nanoTime();
            model.forward(promptTokens, tokens, positions, caches, logits, batch);
            passes[pass] = (System.nanoTime() - start) / 1e9;
        }
        double[] timed = java.util.Arrays.copyOfRange(passes, PROMPT_WARMUPS, passes.length);
        java.util.Arrays.sort(timed);
        double promptSeconds = timed[timed.length / 2];
        double promptTps = promptTokens / promptSeconds;

        // Decode, batched by n sequences.
        List<double[]> batched = new ArrayList<>();
        double single = 0;
        for (int n : batchSizes) {
            KvCache[] seqCaches = new KvCache[n];
            for (int s = 0; s < n; s++) {
                seqCaches[s] = model.newCache(context);
            }
            int[] t = new int[n];
            int[] p = new int[n];
            float[][] out = new float[n][];
            for (int s = 0; s < n; s++) {
                out[s] = new float[vocab];
                t[s] = 3 + s;
            }
            for (int step = 0; step < DECODE_WARMUPS; step++) {
                java.util.Arrays.fill(p, step);
                model.forward(n, t, p, seqCaches, out, batch);
            }
            long begin = System.nanoTime();
            for (int step = DECODE_WARMUPS; step < DECODE_WARMUPS + decodeTokens; step++) {
                java.util.Arrays.fill(p, step);
                model.forward(n, t, p, seqCaches, out, batch);
            }
            double seconds = (System.nanoTime() - begin) / 1e9;
            double tps = (double) n * decodeTokens / seconds;
            batched.add(new double[] {n, tps});
            if (n == 1) {
                single = tps;
            }
        }
        // The classifier runs for the prompt's last position only.
        long classifier = (long) model.config().dim() * vocab;
        double promptFlops = 2.0 * ((macsPerToken - classifier) * (double) promptTokens + classifier) / promptSeconds;
        return new Figures(promptTps, promptFlops / 1e9, single,
                single * weightBytes / 1e9, batched);
    }

    private static int max(int[] values) {
        int m = 1;
        for (int v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

}
