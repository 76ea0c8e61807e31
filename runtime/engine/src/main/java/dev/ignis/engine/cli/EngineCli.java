package dev.ignis.engine.cli;

import dev.ignis.engine.generate.Generator;
import dev.ignis.engine.generate.StopMatcher;
import dev.ignis.engine.bench.Bench;
import dev.ignis.engine.gguf.GgmlType;
import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.gguf.GgufFormatException;
import dev.ignis.engine.gguf.GgufTensorInfo;
import dev.ignis.engine.model.ModelLoader;
import dev.ignis.engine.model.SyntheticModel;
import dev.ignis.engine.sampling.Sampler;
import dev.ignis.engine.sampling.SamplingParams;
import dev.ignis.engine.tensor.Workers;
import dev.ignis.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The engine's command line, the one place in the engine that prints:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar ignis-engine.jar inspect MODEL.gguf
 * java --add-modules jdk.incubator.vector -jar ignis-engine.jar generate MODEL.gguf --prompt "Once upon a time"
 *      [--steps 128] [--temperature 0] [--top-k 0] [--top-p 1] [--min-p 0] [--seed 0] [--stop TEXT] [--threads N]
 *      [--ids 1,450,4628 instead of --prompt] [--logits-json FILE [--top 10]]
 * java --add-modules jdk.incubator.vector -jar ignis-engine.jar embed EMBEDDING-MODEL.gguf --text "Hello world" [--batch 1]
 * java --add-modules jdk.incubator.vector -jar ignis-engine.jar synth --preset llama-3.2-1b --type q8_0 --out m.gguf
 * java --add-modules jdk.incubator.vector -jar ignis-engine.jar bench m.gguf [--prompt 64] [--tokens 16] [--batch 1,4,8]
 *      [--threads N]
 * </pre>
 * {@code --threads} sets how many threads the model's kernels use (default: {@code -Dignis.engine.threads}, else
 * every available processor).
 * <pre>
 * </pre>
 */
public final class EngineCli {

    private static final int WARM_UP_ROUNDS = 5;
    private static final int TIMED_ROUNDS = 3;

    private EngineCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    private static final String TYPES = "f32|f16|bf16|q8_0|q4_0|q4_1|q5_0|q5_1|q4_k|q5_k|q6_k";
    private static final String USAGE = "usage: inspect MODEL.gguf | generate MODEL.gguf --prompt TEXT [--steps N]"
            + " [--temperature T] [--top-k K] [--top-p P] [--min-p P] [--seed S] [--stop TEXT] [--threads N]"
            + " [--ids I,J,K instead of --prompt] [--logits-json FILE [--top K]]"
            + " | embed MODEL.gguf --text TEXT [--batch N]"
            + " | bench MODEL.gguf [--prompt N] [--tokens N] [--batch 1,4,8] [--bandwidth-mib M] [--threads N]"
            + " | synth --preset " + SyntheticModel.PRESETS.keySet() + " --type " + TYPES + " --out FILE [--seed S]";

    /**
     * Runs a command; returns the process exit code (0 ok, 1 failure, 2 usage). {@code --help} or {@code -h}
     * as the command or right after it prints the usage on {@code out} and exits 0 (later on the line it may be
     * a value: {@code --prompt -h}).
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> help = List.of("--help", "-h");
        if (args.length >= 1 && help.contains(args[0]) || args.length >= 2 && help.contains(args[1])) {
            out.println(USAGE);
            return 0;
        }
        if (args.length >= 1 && args[0].equals("synth")) {
            return synth(args, out, err);
        }
        if (args.length < 2 || !List.of("inspect", "generate", "bench", "embed").contains(args[0])) {
            err.println(USAGE);
            return 2;
        }
        Path model = Path.of(args[1]);
        if (!Files.isRegularFile(model)) {
            err.println("error: no such file: " + model);
            return 1;
        }
        try (GgufFile file = GgufFile.open(model)) {
            if (args[0].equals("inspect")) {
                inspect(file, out);
                return 0;
            }
            if (args[0].equals("bench")) {
                return bench(file, options(args), out);
            }
            if (args[0].equals("embed")) {
                return embed(file, options(args), out, err);
            }
            return generate(file, options(args), out, err);
        } catch (GgufFormatException e) {
            err.println("error: " + model + " is not a valid GGUF file: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("error: cannot read " + model + ": " + e.getMessage());
            return 1;
        }
    }

    private static void inspect(GgufFile file, PrintStream out) {
        var h = file.header();
        out.printf(Locale.ROOT, "GGUF v%d, %d bytes, %d tensors, %d parameters, data at %d (alignment %d)%n",
                h.version(), file.size(), h.tensors().size(), h.parameterCount(), h.tensorDataOffset(), h.alignment());
        h.metadata().forEach((key, value) -> {
            String shown = value instanceof List<?> list ? "[" + list.size() + " values]" : String.valueOf(value);
            if (shown.length() > 120) {
                shown = shown.substring(0, 117) + "...";
            }
            out.println("  " + key + " = " + shown.replace("\n", "\\n"));
        });
        for (GgufTensorInfo t : h.tensors()) {
            out.println("  " + t);
        }
    }

    private static ModelLoader.LoadedModel load(GgufFile file, Map<String, String> o) {
        int threads = o.containsKey("--threads") ? Workers.parse(o.get("--threads")) : Workers.defaultThreads();
        return ModelLoader.load(file, null, threads);
    }

    private static int generate(GgufFile file, Map<String, String> o, PrintStream out, PrintStream err) {
        try (ModelLoader.LoadedModel loaded = load(file, o)) {
            List<Integer> prompt = new ArrayList<>();
            if (o.containsKey("--ids")) {
                // Token ids as given (BOS included if wanted): the same input another engine is given.
                for (String id : o.get("--ids").split(",")) {
                    int value = Integer.parseInt(id.strip());
                    if (value < 0 || value >= loaded.model().config().vocabSize()) {
                        err.println("error: --ids: " + value + " is not a token id of this model (0.."
                                + (loaded.model().config().vocabSize() - 1) + ")");
                        return 2;
                    }
                    prompt.add(value);
                }
            } else {
                // BOS (and EOS) as the model's metadata asks: Llama yes, Qwen2 no.
                Tokenizer tokenizer = loaded.tokenizer();
                prompt.addAll(tokenizer.withSpecialTokens(tokenizer.encode(o.getOrDefault("--prompt", ""))));
                if (prompt.isEmpty()) {
                    err.println("error: the prompt is empty and this model starts a prompt without BOS: give --prompt");
                    return 2;
                }
            }
            SamplingParams params = new SamplingParams(Float.parseFloat(o.getOrDefault("--temperature", "0")), 0, 1,
                    Integer.parseInt(o.getOrDefault("--top-k", "0")), Float.parseFloat(o.getOrDefault("--top-p", "1")),
                    Float.parseFloat(o.getOrDefault("--min-p", "0")), 1, 0, 0, 64, Map.of(),
                    Long.parseLong(o.getOrDefault("--seed", "0")));
            int steps = Integer.parseInt(o.getOrDefault("--steps", "128"));
            StopMatcher stops = new StopMatcher(o.containsKey("--stop") ? List.of(o.get("--stop")) : List.of());
            long start = System.nanoTime();
            TopLogitsWriter logits = o.containsKey("--logits-json")
                    ? new TopLogitsWriter(Path.of(o.get("--logits-json")), Integer.parseInt(o.getOrDefault("--top", "10")))
                    : null;
            List<Integer> tokens;
            try {
                tokens = new Generator(loaded.model()).sample(prompt, steps,
                        t -> t == loaded.tokenizer().eos() || t == loaded.tokenizer().bos(), new Sampler(params),
                        logits == null ? null : logits::step);
            } finally {
                if (logits != null) {
                    logits.close();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String text = stops.add(loaded.tokenizer().decode(tokens)) + stops.flush();
            out.println(text);
            if (o.containsKey("--ids")) {
                err.println("ids: " + tokens);
            }
            err.printf(Locale.ROOT, "%d positions in %.3f s (%.1f tokens/s)%n", tokens.size() + 1, seconds,
                    (tokens.size() + 1) / seconds);
            return 0;
        }
    }

    private static int synth(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> o;
        GgmlType type;
        try {
            o = options(args, 1);
            type = GgmlType.valueOf(o.getOrDefault("--type", "q8_0").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            err.println("error: " + (e.getMessage().startsWith("No enum constant") ? "unknown --type, one of " + TYPES
                    : e.getMessage()));
            err.println(USAGE);
            return 2;
        }
        SyntheticModel.Shape shape = SyntheticModel.PRESETS.get(o.getOrDefault("--preset", ""));
        if (shape == null || !o.containsKey("--out")) {
            err.println("error: synth needs --preset (one of " + SyntheticModel.PRESETS.keySet() + ") and --out FILE");
            err.println(USAGE);
            return 2;
        }
        Path target = Path.of(o.get("--out"));
        long start = System.nanoTime();
        try {
            SyntheticModel.write(shape, type, Long.parseLong(o.getOrDefault("--seed", "1")), target);
            out.printf(Locale.ROOT, "wrote %s (%d bytes) in %.1f s%n", target, Files.size(target),
                    (System.nanoTime() - start) / 1e9);
            return 0;
        } catch (IOException e) {
            err.println("error: cannot write " + target + ": " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static int bench(GgufFile file, Map<String, String> o, PrintStream out) {
        try (ModelLoader.LoadedModel loaded = load(file, o)) {
            int prompt = Integer.parseInt(o.getOrDefault("--prompt", "64"));
            int tokens = Integer.parseInt(o.getOrDefault("--tokens", "16"));
            int[] batches = java.util.Arrays.stream(o.getOrDefault("--batch", "1,4,8").split(","))
                    .mapToInt(Integer::parseInt).toArray();
            long weightBytes = file.header().tensorDataBytes();
            out.printf(Locale.ROOT, "model: %s (%s), %d parameters, %.0f MB of weights, %d cores, %d engine threads,"
                    + " %d-bit vectors%n", file.path().getFileName(), loaded.model().config().architecture(),
                    file.header().parameterCount(), weightBytes / 1e6, Runtime.getRuntime().availableProcessors(),
                    loaded.model().workers().threads(), dev.ignis.engine.tensor.Kernels.vectorBits());
            // The model first, then the resident set (every weight page touched, the probe's buffer not yet
            // allocated), then the machine probes the figures are compared with.
            Bench.Figures f = Bench.run(loaded, weightBytes, prompt, tokens, batches);
            System.gc();
            long resident = Bench.residentBytes();
            double bandwidth = Bench.bandwidth(Long.parseLong(o.getOrDefault("--bandwidth-mib", "1024")) << 20);
            double peak = Bench.peakFlops();
            out.printf(Locale.ROOT, "machine: memory read %.1f GB/s, peak FMA %.1f GFLOP/s%n", bandwidth, peak);
            out.printf(Locale.ROOT, "prompt processing: %.1f tokens/s, %.1f GFLOP/s (%.0f %% of peak)%n",
                    f.promptTokensPerSecond(), f.promptGflops(), 100 * f.promptGflops() / peak);
            out.printf(Locale.ROOT, "decode: %.2f tokens/s, %.1f GB/s of weights (%.0f %% of measured bandwidth)%n",
                    f.decodeTokensPerSecond(), f.decodeGBs(), 100 * f.decodeGBs() / bandwidth);
            for (double[] b : f.batched()) {
                out.printf(Locale.ROOT, "decode batched x%d: %.2f tokens/s aggregate (%.2fx single)%n", (int) b[0], b[1],
                        b[1] / f.decodeTokensPerSecond());
            }
            // Resident set against what the model needs: the weights and the largest batch's KV caches.
            int largest = java.util.Arrays.stream(batches).max().orElse(1);
            long kv = Bench.kvCacheBytes(loaded.model().config(), Bench.contextSize(prompt, tokens)) * largest;
            if (resident > 0) {
                out.printf(Locale.ROOT, "memory: resident %.0f MB = %.2fx (weights %.0f MB + KV caches of %d sequences %.0f MB;"
                        + " JVM heap at most %.0f MB)%n", resident / 1e6, resident / (double) (weightBytes + kv),
                        weightBytes / 1e6, largest, kv / 1e6, Runtime.getRuntime().maxMemory() / 1e6);
            }
            return 0;
        }
    }

    /**
     * Prints the text's embedding (one line of values); on standard error, its tokens and the time to embed
     * {@code --batch} copies of it in one call (best of 3 after 5 warm-up calls, so the JIT has compiled the
     * kernels), as embeddings per second.
     */
    private static int embed(GgufFile file, Map<String, String> o, PrintStream out, PrintStream err) {
        if (!o.containsKey("--text")) {
            throw new IllegalArgumentException("embed needs --text TEXT");
        }
        try (ModelLoader.LoadedEncoder encoder = ModelLoader.loadEncoder(file, null)) {
            int[] tokens = encoder.tokenizer().encodeForEmbedding(o.get("--text")).stream()
                    .mapToInt(Integer::intValue).toArray();
            int batch = Integer.parseInt(o.getOrDefault("--batch", "1"));
            if (batch < 1) {
                throw new IllegalArgumentException("--batch must be at least 1");
            }
            List<int[]> copies = java.util.Collections.nCopies(batch, tokens);
            float[] embedding = encoder.model().embed(tokens);
            long best = Long.MAX_VALUE;
            for (int round = 0; round < WARM_UP_ROUNDS + TIMED_ROUNDS; round++) {
                long start = System.nanoTime();
                encoder.model().embed(copies);
                if (round >= WARM_UP_ROUNDS) {
                    best = Math.min(best, System.nanoTime() - start);
                }
            }
            double seconds = best / 1e9;
            StringBuilder line = new StringBuilder();
            for (float v : embedding) {
                line.append(line.isEmpty() ? "" : " ").append(v);
            }
            out.println(line);
            err.printf(Locale.ROOT, "%d tokens, %d dimensions, %s pooling; %d in one call: %.1f ms, %.1f embeddings/s%n",
                    tokens.length, embedding.length, encoder.model().config().pooling(), batch, seconds * 1e3,
                    batch / seconds);
            return 0;
        }
    }

    private static Map<String, String> options(String[] args) {
        return options(args, 2);
    }

    private static Map<String, String> options(String[] args, int from) {
        Map<String, String> o = new HashMap<>();
        for (int i = from; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value, got '" + args[i] + "'");
            }
            o.put(args[i], args[++i]);
        }
        return o;
    }
}
