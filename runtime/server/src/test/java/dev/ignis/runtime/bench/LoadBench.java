package dev.ignis.runtime.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Load generator for a running runtime: N concurrent clients, each sending streaming {@code /v1/completions}
 * requests back to back (a fixed number of prompt tokens, a fixed {@code max_tokens}, temperature 0), at
 * several client counts; per level it prints the aggregate completion tokens/s, time to first token and
 * inter-token latency percentiles. In the same run it measures the engine alone on the same model file (the
 * engine CLI's {@code bench} as a child process, while the runtime is idle), so that the runtime's figures can
 * be read as ratios on a noisy host. JDK only, so it runs as a single source file:
 *
 * <pre>
 * java runtime/server/src/test/java/dev/ignis/runtime/bench/LoadBench.java --url http://127.0.0.1:8000 \
 *     --engine-model /tmp/m.gguf [--engine-classpath runtime/engine/target/classes] [--key KEY] \
 *     [--clients 1,4,8,16] [--seconds 30] [--prompt-tokens 16] [--max-tokens 32]
 * </pre>
 */
public final class LoadBench {

    private static final Pattern TEXT = Pattern.compile("\"text\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\"\\s*:\\s*(\\d+)");
    private static final Pattern TOKENS = Pattern.compile("\"tokens\"\\s*:\\s*\\[([0-9,\\s]*)]");
    private static final Pattern ENGINE_DECODE = Pattern.compile("^decode: ([0-9.]+) tokens/s");
    private static final Pattern ENGINE_BATCHED = Pattern.compile("^decode batched x(\\d+): ([0-9.]+) tokens/s");
    /** Any text; tokenized by the served model into the pool prompts are cut from. */
    private static final String PROMPT_TEXT = "Once upon a time, in a small town by the sea, there lived an old"
            + " clockmaker who repaired every clock in the valley. Children came to watch him work, and he told them"
            + " stories about the stars, the tides and the long roads that lead over the mountains to the city. ";

    /** How a run is set up; {@code engineModel} null skips the engine-alone measurement. */
    public record Options(String url, String key, int[] clients, double seconds, int promptTokens, int maxTokens,
                          int warmupRequests, Path engineModel, String engineClasspath, String engineBatch,
                          int engineTokens) {
    }

    /**
     * One client count's figures: times in nanoseconds, sorted; the decode rate per client over all streams, and
     * that of the fastest stream (less disturbed by other work on a shared host).
     */
    public record Level(int clients, int requests, int errors, long completionTokens, double seconds,
                        long[] ttft, long[] itl, double decodeTokensPerSecond, double fastestDecodeTokensPerSecond,
                        List<String> problems) {
        public double tokensPerSecond() {
            return completionTokens / seconds;
        }

        public String report() {
            return String.format(Locale.ROOT, "%7d %8d %6d %8d %8.1f %10.2f %9.0f %9.0f %8.1f %8.1f %8.2f %8.2f",
                    clients, requests, errors, completionTokens, seconds, tokensPerSecond(), millis(ttft, 50),
                    millis(ttft, 99), millis(itl, 50), millis(itl, 99), decodeTokensPerSecond,
                    fastestDecodeTokensPerSecond);
        }
    }

    /** The engine CLI's single-sequence decode rate and its batched aggregate rates (batch size -> tokens/s). */
    public record EngineAlone(double decodeTokensPerSecond, Map<Integer, Double> batched, String output) {
    }

    /**
     * The engine alone is measured before the levels (batch 1), right after the one-client level (batch 1,
     * null without that level), and after all levels (the batch sizes asked for).
     */
    public record Report(List<Level> levels, EngineAlone engineBefore, EngineAlone engineAfterOne,
                         EngineAlone engineAfter) {
        public Level level(int clients) {
            return levels.stream().filter(l -> l.clients() == clients).findFirst().orElse(null);
        }
    }

    private final Options options;
    private final HttpClient http;
    private final String url;

    public LoadBench(Options options) {
        this.options = options;
        this.url = options.url().endsWith("/") ? options.url().substring(0, options.url().length() - 1) : options.url();
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>(Map.of("--url", "http://127.0.0.1:8000", "--clients", "1,4,8,16",
                "--seconds", "30", "--prompt-tokens", "16", "--max-tokens", "32", "--warmup", "2",
                "--engine-classpath", "runtime/engine/target/classes", "--engine-batch", "1", "--engine-tokens", "128"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        if (args.length % 2 != 0 || !o.keySet().stream().allMatch(k -> k.startsWith("--"))) {
            System.err.println("usage: LoadBench [--url URL] [--key KEY] [--clients 1,4,8,16] [--seconds S]"
                    + " [--prompt-tokens N] [--max-tokens N] [--warmup N] [--engine-model FILE.gguf]"
                    + " [--engine-classpath CP] [--engine-batch 1,8] [--engine-tokens N]");
            System.exit(2);
        }
        Options options = new Options(o.get("--url"), o.getOrDefault("--key", System.getenv("IGNIS_KEY")),
                Arrays.stream(o.get("--clients").split(",")).mapToInt(Integer::parseInt).toArray(),
                Double.parseDouble(o.get("--seconds")), Integer.parseInt(o.get("--prompt-tokens")),
                Integer.parseInt(o.get("--max-tokens")), Integer.parseInt(o.get("--warmup")),
                o.containsKey("--engine-model") ? Path.of(o.get("--engine-model")) : null,
                o.get("--engine-classpath"), o.get("--engine-batch"), Integer.parseInt(o.get("--engine-tokens")));
        LoadBench bench = new LoadBench(options);
        System.out.printf(Locale.ROOT, "Ignis runtime load benchmark: %s, streaming /v1/completions, %d prompt tokens,"
                        + " max_tokens %d, temperature 0, %.0f s per level, %d cores on this host%n", options.url(),
                options.promptTokens(), options.maxTokens(), options.seconds(), Runtime.getRuntime().availableProcessors());
        Report report = bench.run(line -> System.out.println(line));
        if (report.levels().stream().anyMatch(l -> l.errors() > 0)) {
            System.exit(1);
        }
    }

    /**
     * Runs the engine alone, every level, then the engine alone again (the host's load may change meanwhile);
     * prints as it goes. The one-client level is bracketed by two engine runs at batch 1, so that its ratio to
     * the engine compares measurements a few seconds apart: on a shared host the speed changes by up to 1.8x
     * within minutes, and an engine run after every level (minutes later) measured another host state.
     */
    public Report run(java.util.function.Consumer<String> out) throws Exception {
        List<Integer> pool = promptPool();
        for (int i = 0; i < options.warmupRequests(); i++) {
            Sample warm = stream(prompt(pool, -1, i));
            if (warm.error() != null) {
                throw new IllegalStateException("warm-up request failed: " + warm.error());
            }
        }
        EngineAlone before = options.engineModel() == null ? null : engineAlone("1");
        if (before != null) {
            out.accept(engineLine("before the levels", before));
        }
        out.accept("clients requests errors   tokens  seconds  agg tok/s  TTFT p50  TTFT p99  ITL p50  ITL p99"
                + "   decode  fastest   (times in ms; decode: tokens/s per client, all streams and the fastest)");
        List<Level> levels = new ArrayList<>();
        EngineAlone afterOne = null;
        for (int clients : options.clients()) {
            Level level = level(clients, pool);
            levels.add(level);
            out.accept(level.report());
            level.problems().stream().limit(3).forEach(p -> out.accept("  error: " + p));
            if (clients == 1 && options.engineModel() != null) {
                afterOne = engineAlone("1");
                out.accept(engineLine("right after the 1-client level", afterOne));
            }
        }
        EngineAlone after = options.engineModel() == null ? null : engineAlone(options.engineBatch());
        if (after != null) {
            out.accept(engineLine("after the levels", after));
        }
        Report report = new Report(levels, before, afterOne, after);
        Level one = report.level(1);
        for (Level l : levels) {
            if (one != null && l.clients() > 1) {
                Double engineBatched = after == null ? null : after.batched().get(l.clients());
                Double engineSingle = after == null ? null : after.batched().get(1);
                out.accept(String.format(Locale.ROOT, "aggregate at %d clients / 1 client: %.2fx%s", l.clients(),
                        l.tokensPerSecond() / one.tokensPerSecond(), engineBatched == null || engineSingle == null ? ""
                                : String.format(Locale.ROOT, " (engine alone batched x%d / x1, same run after the"
                                + " levels: %.2fx)", l.clients(), engineBatched / engineSingle)));
            }
        }
        if (before != null && afterOne != null) {
            out.accept(String.format(Locale.ROOT, "one client through HTTP / engine alone, decode rate: %.3f (engine"
                            + " just before the level), %.3f (just after it); fastest stream: %.3f, %.3f",
                    one.decodeTokensPerSecond() / before.decodeTokensPerSecond(),
                    one.decodeTokensPerSecond() / afterOne.decodeTokensPerSecond(),
                    one.fastestDecodeTokensPerSecond() / before.decodeTokensPerSecond(),
                    one.fastestDecodeTokensPerSecond() / afterOne.decodeTokensPerSecond()));
        }
        return report;
    }

    private static String engineLine(String when, EngineAlone engine) {
        return String.format(Locale.ROOT, "engine alone %s (EngineCli bench, same file): decode %.2f tokens/s%s", when,
                engine.decodeTokensPerSecond(), engine.batched().entrySet().stream().filter(e -> e.getKey() > 1)
                        .map(e -> String.format(Locale.ROOT, ", batched x%d %.2f tokens/s", e.getKey(), e.getValue()))
                        .collect(Collectors.joining()));
    }

    /** Token ids of the served model: BOS, then the text repeated as often as a prompt needs. */
    private List<Integer> promptPool() throws Exception {
        StringBuilder text = new StringBuilder();
        List<Integer> tokens;
        do {
            text.append(PROMPT_TEXT);
            HttpResponse<String> response = http.send(request("/tokenize")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"content\":" + jsonString(text.toString())
                            + ",\"add_special\":true}")).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("cannot tokenize the prompt text: HTTP " + response.statusCode() + " "
                        + response.body());
            }
            Matcher m = TOKENS.matcher(response.body());
            if (!m.find()) {
                throw new IllegalStateException("no tokens in " + response.body());
            }
            tokens = Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .map(Integer::valueOf).toList();
        } while (tokens.size() < 2 * options.promptTokens() + 1);
        return tokens;
    }

    /**
     * The prompt of a client's n-th request: BOS and a window of the pool starting at a place of its own, so
     * that concurrent requests do not share a cached prefix beyond BOS ({@code cache_prompt} is off anyway).
     */
    private String prompt(List<Integer> pool, int client, int n) {
        int span = pool.size() - options.promptTokens();
        int start = 1 + Math.floorMod(client * 7919 + n * 104729, span);
        List<Integer> ids = new ArrayList<>(options.promptTokens());
        ids.add(pool.getFirst());
        ids.addAll(pool.subList(start, start + options.promptTokens() - 1));
        return "{\"prompt\":" + ids + ",\"max_tokens\":" + options.maxTokens() + ",\"temperature\":0,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"cache_prompt\":false}";
    }

    /**
     * {@code clients} clients send requests back to back; a client starts a new request only before the level's
     * time is up, and the level ends when the last request has. Aggregate = completion tokens / level time.
     */
    private Level level(int clients, List<Integer> pool) throws Exception {
        long start = System.nanoTime();
        long deadline = start + (long) (options.seconds() * 1e9);
        List<Future<List<Sample>>> futures = new ArrayList<>();
        try (ExecutorService executor = Executors.newFixedThreadPool(clients)) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                futures.add(executor.submit(() -> {
                    List<Sample> samples = new ArrayList<>();
                    do {
                        samples.add(stream(prompt(pool, client, samples.size())));
                    } while (System.nanoTime() < deadline);
                    return samples;
                }));
            }
            List<Sample> all = new ArrayList<>();
            for (Future<List<Sample>> f : futures) {
                all.addAll(f.get());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long tokens = 0;
            long decodeTokens = 0;
            long decodeNanos = 0;
            double fastest = Double.NaN;
            List<Long> ttft = new ArrayList<>();
            List<Long> itl = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            for (Sample s : all) {
                if (s.error() != null) {
                    problems.add(s.error());
                    continue;
                }
                tokens += s.completionTokens();
                if (s.arrivals().length > 0) {
                    ttft.add(s.arrivals()[0] - s.sent());
                }
                for (int i = 1; i < s.arrivals().length; i++) {
                    itl.add(s.arrivals()[i] - s.arrivals()[i - 1]);
                }
                if (s.arrivals().length > 1) {
                    // Tokens after the first over the time they took: the steady decode rate one client sees.
                    long nanos = s.arrivals()[s.arrivals().length - 1] - s.arrivals()[0];
                    decodeTokens += s.completionTokens() - 1;
                    decodeNanos += nanos;
                    double rate = (s.completionTokens() - 1) / (nanos / 1e9);
                    fastest = Double.isNaN(fastest) ? rate : Math.max(fastest, rate);
                }
            }
            return new Level(clients, all.size(), problems.size(), tokens, seconds, sorted(ttft), sorted(itl),
                    decodeNanos == 0 ? Double.NaN : decodeTokens / (decodeNanos / 1e9), fastest, problems);
        }
    }

    /** One streamed request: when it was sent, when each chunk with text arrived, its completion tokens. */
    private record Sample(long sent, long[] arrivals, int completionTokens, String error) {
    }

    private Sample stream(String body) {
        long sent = System.nanoTime();
        List<Long> arrivals = new ArrayList<>();
        int completionTokens = -1;
        try {
            HttpResponse<InputStream> response = http.send(request("/v1/completions")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                if (response.statusCode() != 200) {
                    return new Sample(sent, new long[0], 0, "HTTP " + response.statusCode() + " "
                            + in.lines().collect(Collectors.joining()));
                }
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    long now = System.nanoTime();
                    if (!line.startsWith("data: ")) {
                        continue;
                    }
                    String data = line.substring(6);
                    if (data.equals("[DONE]")) {
                        // Read the response to its end (the chunked body's last chunk) before closing it: a
                        // stream closed early makes the client drop the connection while the server is still
                        // writing, and a request that raced for it failed with "header parser received no bytes".
                        while (in.readLine() != null) {
                            continue;
                        }
                        if (completionTokens < 0) {
                            return new Sample(sent, new long[0], 0, "the stream ended without usage");
                        }
                        return new Sample(sent, arrivals.stream().mapToLong(Long::longValue).toArray(),
                                completionTokens, null);
                    }
                    if (data.startsWith("{\"error\"")) {
                        return new Sample(sent, new long[0], 0, data);
                    }
                    Matcher usage = COMPLETION_TOKENS.matcher(data);
                    if (usage.find()) {
                        completionTokens = Integer.parseInt(usage.group(1));
                        continue;
                    }
                    Matcher text = TEXT.matcher(data);
                    if (text.find() && !text.group(1).isEmpty()) {
                        arrivals.add(now);
                    }
                }
                return new Sample(sent, new long[0], 0, "the stream ended without [DONE]");
            }
        } catch (IOException e) {
            return new Sample(sent, new long[0], 0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Sample(sent, new long[0], 0, "interrupted");
        }
    }

    /**
     * The engine CLI's {@code bench} on the same file in a child JVM (the same Vector API flags as the runtime,
     * every processor): decode at batch 1 is what one sequence costs with no HTTP, JSON or scheduling around it.
     * It decodes {@code engineTokens} steps per batch size: the child starts cold, and on a 1B model the first
     * few dozen steps still run partly interpreted (32 steps measured 9.5 tokens/s where 128 measured 16.3).
     */
    private EngineAlone engineAlone(String batches) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", options.engineClasspath(), "dev.ignis.engine.cli.EngineCli", "bench",
                options.engineModel().toString(), "--prompt", String.valueOf(options.promptTokens()), "--tokens",
                String.valueOf(options.engineTokens()), "--batch", batches, "--bandwidth-mib", "64");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("the engine bench failed: " + String.join(" ", command) + "\n" + output);
        }
        double decode = Double.NaN;
        Map<Integer, Double> batched = new LinkedHashMap<>();
        for (String line : output.lines().toList()) {
            Matcher d = ENGINE_DECODE.matcher(line);
            if (d.find()) {
                decode = Double.parseDouble(d.group(1));
            }
            Matcher b = ENGINE_BATCHED.matcher(line);
            if (b.find()) {
                batched.put(Integer.valueOf(b.group(1)), Double.valueOf(b.group(2)));
            }
        }
        if (Double.isNaN(decode)) {
            throw new IllegalStateException("no decode rate in the engine bench's output:\n" + output);
        }
        return new EngineAlone(decode, batched, output);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url + path))
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(10));
        return options.key() == null ? builder : builder.header("Authorization", "Bearer " + options.key());
    }

    private static long[] sorted(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    static double millis(long[] sortedNanos, double percentile) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(percentile / 100.0 * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, index))] / 1e6;
    }

    private static String jsonString(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }
}
