package dev.ignis.runtime.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Fetches a model over HTTP(S) into a cache directory: resumes an interrupted download with a Range
 * request, verifies the SHA-256 when one is given, and moves the file into place only when complete, so
 * a restart finds either a verified file (no download) or a partial one to resume. A transfer that stalls
 * (no byte for the read timeout) or outlasts the attempt's time limit is aborted and resumed by the next
 * attempt; only a stall ends an attempt, never a slow but moving transfer within the limit.
 */
public final class ModelDownloader {

    private static final Logger LOG = Logger.getLogger(ModelDownloader.class);
    private static final int ATTEMPTS = 4;
    private static final int CHUNK = 1 << 20;

    private final HttpClient http;
    private final Duration timeout;
    private final Duration readTimeout;

    /**
     * @param timeout the limit of one attempt, headers and body
     * @param readTimeout how long a transfer may go without a byte before the attempt is given up
     */
    public ModelDownloader(Duration timeout, Duration readTimeout) {
        this.timeout = timeout;
        this.readTimeout = readTimeout;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(15)).build();
    }

    /** The local file for {@code uri}, downloading (or resuming) it first when needed. */
    public Path fetch(URI uri, String expectedSha256, Path cacheDir) throws IOException, InterruptedException {
        Files.createDirectories(cacheDir);
        String expected = expectedSha256 == null ? null : expectedSha256.toLowerCase(Locale.ROOT);
        String key = expected != null ? expected : sha256(uri.toString().getBytes(StandardCharsets.UTF_8));
        Path target = cacheDir.resolve(key + ".gguf");
        Path verified = cacheDir.resolve(key + ".gguf.sha256");
        if (Files.isRegularFile(target) && (expected == null || Files.isRegularFile(verified)
                && Files.readString(verified).strip().equals(expected))) {
            LOG.infof("Model %s found in the cache at %s", uri, target);
            return target;
        }
        Path partial = cacheDir.resolve(key + ".gguf.part");
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                download(uri, partial);
                last = null;
                break;
            } catch (IOException e) {
                last = e;
                LOG.warnf("Download of %s interrupted (attempt %d of %d, %d bytes so far): %s", uri, attempt, ATTEMPTS,
                        Files.exists(partial) ? Files.size(partial) : 0, describe(e, uri));
            }
        }
        if (last != null) {
            throw new IOException("cannot download " + uri + " after " + ATTEMPTS + " attempts: " + describe(last, uri), last);
        }
        String actual = sha256(partial);
        if (expected != null && !expected.equals(actual)) {
            Files.delete(partial);
            throw new IOException("sha256 mismatch for " + uri + ": expected " + expected + ", downloaded " + actual);
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(verified, actual);
        LOG.infof("Downloaded %s (%d bytes) to %s", uri, Files.size(target), target);
        return target;
    }

    private void download(URI uri, Path partial) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long have = Files.exists(partial) ? Files.size(partial) : 0;
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            boolean append;
            if (status == 206 && have > 0) {
                long start = response.headers().firstValue("Content-Range").map(ModelDownloader::rangeStart)
                        .orElse(-1L);
                if (start != have) {
                    // Appending anything but the next byte would corrupt the file: start over.
                    Files.deleteIfExists(partial);
                    throw new IOException("the server answered bytes from " + start + " to a request from " + have);
                }
                append = true;
            } else if (status == 200) {
                append = false; // the server ignored the range: start over
            } else if (status == 416 && have > 0) {
                return; // nothing left to fetch
            } else {
                throw new IOException("HTTP " + status + " from " + uri);
            }
            try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                copy(body, out, deadline);
            }
        }
        // A body cut short without an error still leaves a partial file: the next attempt resumes it.
        long expectedTotal = response.headers().firstValue("Content-Range")
                .map(v -> v.substring(v.lastIndexOf('/') + 1)).filter(v -> !v.equals("*")).map(Long::parseLong)
                .orElse(response.headers().firstValueAsLong("Content-Length").orElse(-1));
        if (expectedTotal >= 0 && Files.size(partial) < expectedTotal) {
            throw new IOException("connection closed after " + Files.size(partial) + " of " + expectedTotal + " bytes");
        }
    }

    /**
     * Copies the body, each read bounded by the read timeout and the attempt's deadline. The read runs on a
     * virtual thread so that a stalled connection can be given up (closing the stream ends the blocked read).
     */
    private void copy(InputStream body, OutputStream out, long deadline) throws IOException, InterruptedException {
        byte[] buffer = new byte[CHUNK];
        try (ExecutorService reader = Executors.newVirtualThreadPerTaskExecutor()) {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("the download took longer than " + timeout
                            + " (ignis.runtime.download-timeout)");
                }
                Future<Integer> read = reader.submit(() -> body.read(buffer));
                int n;
                try {
                    n = read.get(Math.min(left, readTimeout.toNanos()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    read.cancel(true);
                    body.close();
                    throw new IOException(left <= readTimeout.toNanos()
                            ? "the download took longer than " + timeout + " (ignis.runtime.download-timeout)"
                            : "no data for " + readTimeout + " (ignis.runtime.download-read-timeout)");
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
                if (n < 0) {
                    return;
                }
                out.write(buffer, 0, n);
            }
        }
    }

    /** The first byte position of a {@code Content-Range: bytes <start>-<end>/<total>} header, or -1. */
    static long rangeStart(String contentRange) {
        try {
            String spec = contentRange.strip();
            if (!spec.startsWith("bytes ")) {
                return -1;
            }
            return Long.parseLong(spec.substring("bytes ".length(), spec.indexOf('-')).strip());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest())) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        }
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What went wrong, for the start-up error: the JDK's HTTP client often throws with no message (a refused
     * connection, an unknown host), so the kind of failure and the host are named instead.
     */
    static String describe(IOException e, URI uri) {
        String host = uri.getHost() == null ? uri.toString() : uri.getHost();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.http.HttpTimeoutException) {
                return "no answer from " + host + " in time";
            }
            if (t instanceof java.net.UnknownHostException || t instanceof java.nio.channels.UnresolvedAddressException) {
                return "unknown host " + host;
            }
            if (t instanceof java.net.ConnectException) {
                return "cannot connect to " + host + (t.getMessage() == null ? "" : " (" + t.getMessage() + ")");
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }
}
