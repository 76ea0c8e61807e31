package dev.ignis.controlplane.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The shared model files ({@code ../shared/models}, or the {@code ignis.models.dir} system property /
 * {@code IGNIS_MODELS_DIR}). A missing file fails the test loudly; it is never skipped.
 */
public final class Models {

    private Models() {
    }

    public static Path dir() {
        String configured = System.getProperty("ignis.models.dir", System.getenv("IGNIS_MODELS_DIR"));
        Path dir = configured != null ? Path.of(configured) : Path.of("../../shared/models");
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("the shared models folder " + dir.toAbsolutePath()
                    + " is missing: put ../shared beside the repository or set IGNIS_MODELS_DIR");
        }
        return dir;
    }

    public static Path path(String relative) {
        Path file = dir().resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("missing shared model file " + file.toAbsolutePath());
        }
        return file;
    }

    public static long size(String relative) {
        try {
            return Files.size(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256Of(String relative) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(path(relative)),
                MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
