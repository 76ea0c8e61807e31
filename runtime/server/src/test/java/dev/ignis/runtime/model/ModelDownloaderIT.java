package dev.ignis.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads over real HTTP from a local server that supports ranges and can cut the first transfer short. */
class ModelDownloaderIT {

    @TempDir
    Path cache;

    byte[] model;
    HttpServer server;
    final AtomicInteger requests = new AtomicInteger();
    final List<String> ranges = Collections.synchronizedList(new ArrayList<>());
    /** Misbehaviour of the first response only: send this many bytes, then cut or stall (-1: behave). */
    volatile int firstResponseBytes = -1;
    volatile boolean stallInsteadOfCut;
    /** Misbehave on every response, not only the first. */
    volatile boolean everyResponseMisbehaves;
    /** Answer ranges with the whole file (status 200), as servers without range support do. */
    volatile boolean ignoreRanges;
    /** Answer a range request with content from another offset than asked. */
    volatile boolean wrongRangeStart;

    @BeforeEach
    void serve() throws Exception {
        String dir = System.getProperty("ignis.models.dir", "../../../shared/models");
        model = Files.readAllBytes(Path.of(dir, "stories260K", "stories260K.gguf"));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/m.gguf", exchange -> {
            int n = requests.incrementAndGet();
            String range = ignoreRanges ? null : exchange.getRequestHeaders().getFirst("Range");
            ranges.add(String.valueOf(exchange.getRequestHeaders().getFirst("Range")));
            int from = range == null ? 0 : Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
            if (range != null && wrongRangeStart) {
                from = Math.max(0, from - 100);
            }
            int length = model.length - from;
            if (range != null) {
                exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (model.length - 1) + "/"
                        + model.length);
            }
            exchange.sendResponseHeaders(range == null ? 200 : 206, length);
            try (OutputStream out = exchange.getResponseBody()) {
                if ((n == 1 || everyResponseMisbehaves) && firstResponseBytes >= 0) {
                    out.write(model, from, firstResponseBytes);
                    out.flush();
                    if (stallInsteadOfCut) {
                        Thread.sleep(15_000);
                    }
                    exchange.close(); // cut: the client sees fewer bytes than Content-Length
                    return;
                }
                out.write(model, from, length);
            } catch (java.io.IOException | InterruptedException ignored) {
                // the client went away
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/m.gguf");
    }

    @Test
    void downloadsVerifiesAndThenUsesTheCache() throws Exception {
        String sha = ModelDownloader.sha256(model);
        ModelDownloader downloader = new ModelDownloader(Duration.ofSeconds(30), Duration.ofSeconds(10));
        Path file = downloader.fetch(uri(), sha, cache);
        assertThat(Files.readAllBytes(file)).isEqualTo(model);
        assertThat(requests.get()).isEqualTo(1);
        assertThat(downloader.fetch(uri(), sha, cache)).isEqualTo(file);
        assertThat(requests.get()).as("a verified file is not downloaded again").isEqualTo(1);
    }

    @Test
    void aWrongSha256IsRefusedAndNothingIsKept() {
        assertThatThrownBy(() -> new ModelDownloader(Duration.ofSeconds(30), Duration.ofSeconds(10)).fetch(uri(), "0".repeat(64), cache))
                .hasMessageContaining("sha256 mismatch");
        assertThat(cache.toFile().list()).isEmpty();
    }

    @Test
    void aMissingFileIsAClearError() {
        URI missing = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/nope.gguf");
        assertThatThrownBy(() -> new ModelDownloader(Duration.ofSeconds(5), Duration.ofSeconds(5)).fetch(missing, null, cache))
                .hasMessageContaining("HTTP 404");
    }

    @Test
    void anUnreachableServerIsNamedInTheError() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        URI unreachable = URI.create("http://127.0.0.1:" + closed + "/m.gguf");
        assertThatThrownBy(() -> new ModelDownloader(Duration.ofSeconds(5), Duration.ofSeconds(5)).fetch(unreachable, null, cache))
                .hasMessageStartingWith("cannot download " + unreachable + " after 4 attempts: cannot connect to 127.0.0.1")
                .hasMessageNotContaining("null");
    }

    @Test
    void aTransferCutShortIsResumedFromTheExactByte() throws Exception {
        firstResponseBytes = 300_000;
        String sha = ModelDownloader.sha256(model);
        Path file = new ModelDownloader(Duration.ofSeconds(30), Duration.ofSeconds(10)).fetch(uri(), sha, cache);
        assertThat(Files.readAllBytes(file)).isEqualTo(model);
        // Resumed where the partial file ends (what arrived before the cut), and the result is byte-exact.
        assertThat(ranges).hasSize(2);
        assertThat(ranges.get(1)).matches("bytes=[1-9][0-9]*-");
    }

    @Test
    void aStalledTransferIsGivenUpAfterTheReadTimeoutAndResumed() throws Exception {
        firstResponseBytes = 200_000;
        stallInsteadOfCut = true;
        String sha = ModelDownloader.sha256(model);
        long start = System.nanoTime();
        Path file = new ModelDownloader(Duration.ofSeconds(30), Duration.ofMillis(500)).fetch(uri(), sha, cache);
        assertThat(Files.readAllBytes(file)).isEqualTo(model);
        assertThat(ranges).hasSize(2);
        assertThat(ranges.get(1)).matches("bytes=[1-9][0-9]*-");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("well before the server's 15 s stall ends")
                .isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aServerWithoutRangesMakesTheNextAttemptStartOver() throws Exception {
        firstResponseBytes = 300_000;
        ignoreRanges = true;
        String sha = ModelDownloader.sha256(model);
        Path file = new ModelDownloader(Duration.ofSeconds(30), Duration.ofSeconds(10)).fetch(uri(), sha, cache);
        assertThat(Files.readAllBytes(file)).isEqualTo(model);
        assertThat(requests.get()).isEqualTo(2);
    }

    @Test
    void aRangeAnsweredFromTheWrongOffsetIsNotAppended() throws Exception {
        firstResponseBytes = 300_000;
        wrongRangeStart = true;
        String sha = ModelDownloader.sha256(model);
        Path file = new ModelDownloader(Duration.ofSeconds(30), Duration.ofSeconds(10)).fetch(uri(), sha, cache);
        assertThat(Files.readAllBytes(file)).as("restarted from zero, never spliced").isEqualTo(model);
        assertThat(ranges).hasSize(3);
        assertThat(ranges.get(1)).startsWith("bytes=");
        assertThat(ranges.get(2)).as("after the misplaced answer, a fresh start").isEqualTo("null");
    }

    @Test
    void anAttemptLongerThanTheDownloadTimeoutIsGivenUp() {
        firstResponseBytes = 1000;
        stallInsteadOfCut = true;
        everyResponseMisbehaves = true;
        long start = System.nanoTime();
        // The read timeout (10 s) never fires; the attempt limit (300 ms) ends each of the 4 attempts.
        assertThatThrownBy(() -> new ModelDownloader(Duration.ofMillis(300), Duration.ofSeconds(10))
                .fetch(uri(), null, cache.resolve("slow")))
                .hasMessageContaining("after 4 attempts")
                .hasMessageContaining("ignis.runtime.download-timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    }
}
