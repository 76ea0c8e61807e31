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

    @BeforeEach
    void serve() throws Exception {
        String dir = System.getProperty("ignis.models.dir", "../../../shared/models");
        model = Files.readAllBytes(Path.of(dir, "stories260K", "stories260K.gguf"));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/m.gguf", exchange -> {
            requests.incrementAndGet();
            String range = exchange.getRequestHeaders().getFirst("Range");
            ranges.add(String.valueOf(range));
            int from = range == null ? 0 : Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
            int length = model.length - from;
            if (range != null) {
                exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (model.length - 1) + "/"
                        + model.length);
            }
            exchange.sendResponseHeaders(range == null ? 200 : 206, length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(model, from, length);
            } catch (java.io.IOException ignored) {
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
        String sha = ModelDownloader.sha256(writeTemp());
        ModelDownloader downloader = new ModelDownloader(Duration.ofSeconds(30));
        Path file = downloader.fetch(uri(), sha, cache);
        assertThat(Files.readAllBytes(file)).isEqualTo(model);
        assertThat(requests.get()).isEqualTo(1);
        assertThat(downloader.fetch(uri(), sha, cache)).isEqualTo(file);
        assertThat(requests.get()).as("a verified file is not downloaded again").isEqualTo(1);
    }

    @Test
    void aWrongSha256IsRefusedAndNothingIsKept() {
        assertThatThrownBy(() -> new ModelDownloader(Duration.ofSeconds(30)).fetch(uri(), "0".repeat(64), cache))
                .hasMessageContaining("sha256 mismatch");
        assertThat(cache.toFile().list()).isEmpty();
    }

    @Test
    void aMissingFileIsAClearError() {
        URI missing = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/nope.gguf");
        assertThatThrownBy(() -> new ModelDownloader(Duration.ofSeconds(5)).fetch(missing, null, cache))
                .hasMessageContaining("HTTP 404");
    }

    private Path writeTemp() throws Exception {
        Path tmp = Files.createTempFile("model", ".gguf");
        Files.write(tmp, model);
        return tmp;
    }
}
