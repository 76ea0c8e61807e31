package dev.ignis.controlplane.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load generator for a running control plane: concurrent clients over HTTP, throughput and latency
 * percentiles for authenticated reads ({@code GET /v1/deployments/{id}}) and for creates. JDK only, so it
 * runs as a single source file:
 *
 * <pre>
 * java control-plane/src/test/java/dev/ignis/controlplane/bench/ApiBench.java \
 *     --url http://127.0.0.1:8080 --key $KEY [--clients 32] [--seconds 20] [--creates 300] [--model qwen2.5-0.5b-instruct:int8]
 * </pre>
 *
 * It creates its own deployments (named {@code bench-...}) and deletes them afterwards.
 */
public final class ApiBench {

    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");

    public record Result(String name, long requests, long errors, double seconds, long[] sortedNanos) {
        public double throughput() {
            return requests / seconds;
        }

        public double percentileMillis(double p) {
            if (sortedNanos.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
            return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, index))] / 1e6;
        }

        public String report() {
            return String.format(Locale.ROOT,
                    "%-28s %8d req %6d err %9.1f req/s  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  p99.9 %7.2f ms  max %7.2f ms",
                    name, requests, errors, throughput(), percentileMillis(50), percentileMillis(90),
                    percentileMillis(99), percentileMillis(99.9), percentileMillis(100));
        }
    }

    private final HttpClient http;
    private final String url;
    private final String key;

    public ApiBench(String url, String key) {
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.key = key;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>(Map.of("--url", "http://127.0.0.1:8080", "--clients", "32",
                "--seconds", "20", "--warmup", "5", "--creates", "300", "--model", "qwen2.5-0.5b-instruct:int8",
                "--node-type", "cpu-2x4"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i], args[i + 1]);
        }
        String key = opts.getOrDefault("--key", System.getenv("IGNIS_KEY"));
        if (key == null) {
            System.err.println("usage: ApiBench --url URL --key KEY [--clients N] [--seconds S] [--warmup S] "
                    + "[--creates N] [--model name:quantization] [--node-type T]");
            System.exit(2);
        }
        ApiBench bench = new ApiBench(opts.get("--url"), key);
        int clients = Integer.parseInt(opts.get("--clients"));
        List<Result> results = bench.run(clients, Integer.parseInt(opts.get("--warmup")),
                Integer.parseInt(opts.get("--seconds")), Integer.parseInt(opts.get("--creates")), opts.get("--model"),
                opts.get("--node-type"));
        System.out.printf(Locale.ROOT, "Ignis management API benchmark: %s, %d clients, %d cores%n",
                opts.get("--url"), clients, Runtime.getRuntime().availableProcessors());
        results.forEach(r -> System.out.println(r.report()));
        System.out.printf(Locale.ROOT, "authenticated reads / baseline throughput: %.2f%n",
                results.get(1).throughput() / results.get(0).throughput());
    }

    /** Runs the read phase (after a warm-up) and the create phase; cleans up what it created. */
    public List<Result> run(int clients, int warmupSeconds, int seconds, int creates, String model, String nodeType)
            throws Exception {
        String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 6);
        List<String> created = new ArrayList<>();
        try {
            String target = create(prefix + "-read", model, nodeType);
            created.add(target);
            HttpRequest read = request("/v1/deployments/" + target).GET().build();
            if (warmupSeconds > 0) {
                timed("warm-up", clients, warmupSeconds, () -> read);
            }
            // Baseline in the same run: the same server with no key, no database and no JSON body.
            HttpRequest live = HttpRequest.newBuilder(URI.create(url + "/q/health/live")).GET().build();
            Result baseline = timed("baseline GET /q/health/live", clients, seconds, () -> live);
            Result reads = timed("GET /v1/deployments/{id}", clients, seconds, () -> read);
            AtomicInteger next = new AtomicInteger();
            ConcurrentLinkedQueue<String> ids = new ConcurrentLinkedQueue<>();
            Result writes = counted("POST /v1/deployments", Math.min(clients, 16), creates, () -> {
                String body = "{\"name\":\"" + prefix + "-" + next.incrementAndGet() + "\",\"model\":\"" + model
                        + "\",\"node_type\":\"" + nodeType + "\"}";
                return request("/v1/deployments").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            }, ids);
            created.addAll(ids);
            return List.of(baseline, reads, writes);
        } finally {
            for (String id : created) {
                http.send(request("/v1/deployments/" + id).DELETE().build(), HttpResponse.BodyHandlers.discarding());
            }
        }
    }

    private String create(String name, String model, String nodeType) throws Exception {
        HttpResponse<String> response = http.send(request("/v1/deployments").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"model\":\"" + model
                        + "\",\"node_type\":\"" + nodeType + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("cannot create the benchmark deployment: HTTP " + response.statusCode()
                    + " " + response.body());
        }
        Matcher m = ID.matcher(response.body());
        if (!m.find()) {
            throw new IllegalStateException("no id in " + response.body());
        }
        return m.group(1);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(30));
    }

    /**
     * A minimal HTTP/1.1 client on one keep-alive connection: the JDK's HttpClient costs more CPU per
     * request than the server under test on a 2-core machine, which would measure the client instead.
     * Handles exactly what this API sends back: a status line, headers and a Content-Length body.
     */
    static final class KeepAliveClient implements AutoCloseable {
        private final URI base;
        private java.net.Socket socket;
        private java.io.BufferedInputStream in;
        private java.io.OutputStream out;

        record Response(int status, String body) {
        }

        KeepAliveClient(URI base) {
            this.base = base;
        }

        Response send(HttpRequest request) throws java.io.IOException {
            if (socket == null) {
                socket = new java.net.Socket(base.getHost(), base.getPort());
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(30_000);
                in = new java.io.BufferedInputStream(socket.getInputStream(), 16384);
                out = new java.io.BufferedOutputStream(socket.getOutputStream(), 16384);
            }
            byte[] body = request.bodyPublisher().map(KeepAliveClient::bytesOf).orElse(new byte[0]);
            StringBuilder head = new StringBuilder(256);
            String path = request.uri().getRawPath() + (request.uri().getRawQuery() == null ? "" : "?" + request.uri().getRawQuery());
            head.append(request.method()).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n");
            request.headers().map().forEach((name, values) -> values.forEach(v ->
                    head.append(name).append(": ").append(v).append("\r\n")));
            head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            out.write(head.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            String status = line();
            if (status == null || !status.startsWith("HTTP/1.1 ")) {
                throw new java.io.IOException("bad status line: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            int length = 0;
            boolean close = false;
            for (String h = line(); h != null && !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    length = Integer.parseInt(value);
                } else if (name.equals("connection") && value.equalsIgnoreCase("close")) {
                    close = true;
                }
            }
            byte[] content = in.readNBytes(length);
            if (close) {
                close();
            }
            return new Response(code, new String(content, java.nio.charset.StandardCharsets.UTF_8));
        }

        private String line() throws java.io.IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int c = in.read(); c != -1; c = in.read()) {
                if (c == '\n') {
                    int len = sb.length();
                    return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
                }
                sb.append((char) c);
            }
            return sb.isEmpty() ? null : sb.toString();
        }

        private static byte[] bytesOf(HttpRequest.BodyPublisher publisher) {
            var collected = new java.io.ByteArrayOutputStream();
            var done = new java.util.concurrent.CompletableFuture<Void>();
            publisher.subscribe(new java.util.concurrent.Flow.Subscriber<java.nio.ByteBuffer>() {
                @Override
                public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(java.nio.ByteBuffer item) {
                    byte[] b = new byte[item.remaining()];
                    item.get(b);
                    collected.writeBytes(b);
                }

                @Override
                public void onError(Throwable t) {
                    done.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                    done.complete(null);
                }
            });
            done.join();
            return collected.toByteArray();
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (java.io.IOException ignored) {
                    // closing a benchmark connection: nothing to do
                }
                socket = null;
            }
        }
    }

    private interface RequestSource {
        HttpRequest next() throws Exception;
    }

    /** Each client sends requests back to back until the time is up. */
    private Result timed(String name, int clients, int seconds, RequestSource source) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        return load(name, clients, () -> System.nanoTime() < deadline, source, null);
    }

    /** The clients share a fixed number of requests. */
    private Result counted(String name, int clients, int total, RequestSource source,
                           ConcurrentLinkedQueue<String> ids) throws Exception {
        AtomicInteger left = new AtomicInteger(total);
        return load(name, clients, () -> left.getAndDecrement() > 0, source, ids);
    }

    private Result load(String name, int clients, java.util.function.BooleanSupplier more, RequestSource source,
                        ConcurrentLinkedQueue<String> ids) throws Exception {
        long start = System.nanoTime();
        List<Future<long[]>> futures = new ArrayList<>();
        AtomicInteger errors = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            for (int c = 0; c < clients; c++) {
                futures.add(pool.submit(() -> {
                    long[] samples = new long[1024];
                    int n = 0;
                    KeepAliveClient client = new KeepAliveClient(URI.create(url));
                    try {
                        while (more.getAsBoolean()) {
                            HttpRequest request = source.next();
                            long t0 = System.nanoTime();
                            try {
                                KeepAliveClient.Response response = client.send(request);
                                long elapsed = System.nanoTime() - t0;
                                if (response.status() >= 300) {
                                    errors.incrementAndGet();
                                } else if (ids != null) {
                                    Matcher m = ID.matcher(response.body());
                                    if (m.find()) {
                                        ids.add(m.group(1));
                                    }
                                }
                                if (n == samples.length) {
                                    samples = Arrays.copyOf(samples, n * 2);
                                }
                                samples[n++] = elapsed;
                            } catch (java.io.IOException e) {
                                errors.incrementAndGet();
                                client.close();
                            }
                        }
                    } finally {
                        client.close();
                    }
                    return Arrays.copyOf(samples, n);
                }));
            }
            long[] all = new long[0];
            for (Future<long[]> f : futures) {
                long[] part = f.get();
                long[] merged = Arrays.copyOf(all, all.length + part.length);
                System.arraycopy(part, 0, merged, all.length, part.length);
                all = merged;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(all);
            return new Result(name, all.length, errors.get(), seconds, all);
        }
    }
}
