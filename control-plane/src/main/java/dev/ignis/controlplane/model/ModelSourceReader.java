package dev.ignis.controlplane.model;

import dev.ignis.engine.gguf.GgufFormatException;
import dev.ignis.engine.gguf.GgufHeader;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads a model source far enough to describe it: the GGUF header of a local file or of a remote one over
 * HTTP (only the header bytes are transferred), the file size, and for local files the SHA-256.
 * Remote weights are not downloaded here; the runtime verifies their SHA-256 when it fetches them.
 */
@ApplicationScoped
public class ModelSourceReader {

    private final HttpClient http;
    private final Duration timeout;

    ModelSourceReader(@ConfigProperty(name = "ignis.models.source-timeout", defaultValue = "60s") Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    public record SourceFacts(GgufFacts gguf, Long sizeBytes, String sha256) {
    }

    /** Checks that a URI names a source this control plane can read; returns a message when it cannot. */
    public static String unsupportedReason(String uri) {
        URI parsed;
        try {
            parsed = URI.create(uri);
        } catch (IllegalArgumentException e) {
            return "is not a valid URI";
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "file" -> parsed.getPath() == null ? "file URI has no path" : null;
            case "http", "https" -> parsed.getHost() == null ? "has no host" : null;
            default -> "must use file://, http:// or https://";
        };
    }

    /**
     * @param expectedSha256 checked against local files; a mismatch is an error
     * @throws SourceException with a message fit for the model's status
     */
    public SourceFacts read(String uri, String expectedSha256) {
        URI parsed = URI.create(uri);
        try {
            if ("file".equalsIgnoreCase(parsed.getScheme())) {
                return readFile(Path.of(parsed), expectedSha256);
            }
            return readHttp(parsed);
        } catch (GgufFormatException e) {
            throw new SourceException("not a valid GGUF file: " + e.getMessage());
        } catch (NoSuchFileException e) {
            throw new SourceException("file not found: " + e.getFile());
        } catch (IOException e) {
            throw new SourceException("cannot read the source: " + describe(e, parsed));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException("interrupted while reading the source");
        }
    }

    private SourceFacts readFile(Path path, String expectedSha256) throws IOException {
        if (!Files.exists(path)) {
            throw new SourceException("file not found: " + path);
        }
        if (!Files.isRegularFile(path)) {
            throw new SourceException("not a regular file: " + path);
        }
        long size = Files.size(path);
        GgufHeader header;
        try (InputStream in = Files.newInputStream(path)) {
            header = GgufHeader.read(in);
        }
        String sha256 = sha256(path);
        if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(sha256)) {
            throw new SourceException("sha256 mismatch: expected " + expectedSha256.toLowerCase(Locale.ROOT)
                    + ", the file has " + sha256);
        }
        return new SourceFacts(GgufFacts.of(header), size, sha256);
    }

    private SourceFacts readHttp(URI uri) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new SourceException("HTTP " + response.statusCode() + " from " + uri);
            }
            Long size = response.headers().firstValueAsLong("Content-Length").stream().boxed().findFirst()
                    .orElse(null);
            // Only the header is read; closing the stream early aborts the rest of the transfer.
            return new SourceFacts(GgufFacts.of(GgufHeader.read(body)), size, null);
        }
    }

    /**
     * What went wrong, for the model's status: the JDK's HTTP client often throws with no message (a refused
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

    static String sha256(Path path) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(path), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** A source that cannot be used, with a message for the model's status. */
    public static class SourceException extends RuntimeException {
        public SourceException(String message) {
            super(message, null, false, false);
        }
    }
}
