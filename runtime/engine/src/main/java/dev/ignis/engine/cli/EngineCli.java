package dev.ignis.engine.cli;

import dev.ignis.engine.generate.Generator;
import dev.ignis.engine.generate.StopMatcher;
import dev.ignis.engine.gguf.GgufFile;
import dev.ignis.engine.gguf.GgufFormatException;
import dev.ignis.engine.gguf.GgufTensorInfo;
import dev.ignis.engine.model.ModelLoader;
import dev.ignis.engine.sampling.Sampler;
import dev.ignis.engine.sampling.SamplingParams;
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
 *      [--steps 128] [--temperature 0] [--top-k 0] [--top-p 1] [--min-p 0] [--seed 0] [--stop TEXT]
 * </pre>
 */
public final class EngineCli {

    private EngineCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command; returns the process exit code (0 ok, 1 failure, 2 usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2 || !List.of("inspect", "generate").contains(args[0])) {
            err.println("usage: inspect MODEL.gguf | generate MODEL.gguf --prompt TEXT [--steps N] [--temperature T]"
                    + " [--top-k K] [--top-p P] [--min-p P] [--seed S] [--stop TEXT]");
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

    private static int generate(GgufFile file, Map<String, String> o, PrintStream out, PrintStream err) {
        ModelLoader.LoadedModel loaded = ModelLoader.load(file);
        List<Integer> prompt = new ArrayList<>();
        prompt.add(loaded.tokenizer().bos());
        prompt.addAll(loaded.tokenizer().encode(o.getOrDefault("--prompt", "")));
        SamplingParams params = new SamplingParams(Float.parseFloat(o.getOrDefault("--temperature", "0")), 0, 1,
                Integer.parseInt(o.getOrDefault("--top-k", "0")), Float.parseFloat(o.getOrDefault("--top-p", "1")),
                Float.parseFloat(o.getOrDefault("--min-p", "0")), 1, 0, 0, 64, Map.of(),
                Long.parseLong(o.getOrDefault("--seed", "0")));
        int steps = Integer.parseInt(o.getOrDefault("--steps", "128"));
        StopMatcher stops = new StopMatcher(o.containsKey("--stop") ? List.of(o.get("--stop")) : List.of());
        long start = System.nanoTime();
        List<Integer> tokens = new Generator(loaded.model()).sample(prompt, steps,
                t -> t == loaded.tokenizer().eos() || t == loaded.tokenizer().bos(), new Sampler(params));
        double seconds = (System.nanoTime() - start) / 1e9;
        String text = stops.add(loaded.tokenizer().decode(tokens)) + stops.flush();
        out.println(text);
        err.printf(Locale.ROOT, "%d positions in %.3f s (%.1f tokens/s)%n", tokens.size() + 1, seconds,
                (tokens.size() + 1) / seconds);
        return 0;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 2; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value, got '" + args[i] + "'");
            }
            o.put(args[i], args[++i]);
        }
        return o;
    }
}
