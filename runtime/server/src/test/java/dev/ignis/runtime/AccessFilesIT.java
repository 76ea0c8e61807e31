package dev.ignis.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Allowed IPs and endpoint keys from files that change while the runtime serves, the way a mounted Kubernetes
 * ConfigMap and Secret deliver them: the new lists apply within seconds, without a restart, checked with
 * clients connecting from 127.0.0.1 and 127.0.0.2.
 */
@QuarkusTest
@TestProfile(AccessFilesIT.FilesProfile.class)
class AccessFilesIT {

    static final Path DIR = Path.of("target", "access-files-it");
    static final Path ALLOWED = DIR.resolve("allowed-ips");
    static final Path KEYS = DIR.resolve("api-key-sha256");
    static final String FIRST_KEY = "first-key-for-access-files";
    static final String SECOND_KEY = "second-key-for-access-files";

    public static class FilesProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            write(ALLOWED, "127.0.0.1/32\n");
            write(KEYS, sha256(FIRST_KEY));
            return Map.of(
                    "ignis.runtime.allowed-ips", "",
                    "ignis.runtime.api-keys", "",
                    "ignis.runtime.allowed-ips-file", ALLOWED.toAbsolutePath().toString(),
                    "ignis.runtime.api-key-sha256-file", KEYS.toAbsolutePath().toString());
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void newListsApplyWithoutARestart() throws Exception {
        awaitStatus(InetAddress.getByName("127.0.0.1"), FIRST_KEY, 200);
        assertThat(status(InetAddress.getByName("127.0.0.2"), FIRST_KEY)).as("not in the list").isEqualTo(403);
        assertThat(status(InetAddress.getByName("127.0.0.1"), SECOND_KEY)).as("not a key yet").isEqualTo(401);

        // Kubernetes replaces a mounted file by swapping a link; a rename is the same for a reader.
        write(ALLOWED, "127.0.0.2/32, ::1/128");
        write(KEYS, sha256(SECOND_KEY) + "\n");
        awaitStatus(InetAddress.getByName("127.0.0.2"), SECOND_KEY, 200);
        assertThat(status(InetAddress.getByName("127.0.0.1"), SECOND_KEY)).isEqualTo(403);
        assertThat(status(InetAddress.getByName("127.0.0.2"), FIRST_KEY)).as("the old key is gone").isEqualTo(401);

        // A broken update leaves the lists in force; an empty keys file admits nobody.
        write(ALLOWED, "not-an-address");
        Thread.sleep(3 * 2000);
        assertThat(status(InetAddress.getByName("127.0.0.2"), SECOND_KEY)).isEqualTo(200);
        write(ALLOWED, "");
        write(KEYS, "");
        awaitStatus(InetAddress.getByName("127.0.0.1"), SECOND_KEY, 401);
        assertThat(status(InetAddress.getByName("127.0.0.2"), SECOND_KEY)).isEqualTo(401);
    }

    private void awaitStatus(InetAddress from, String key, int expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        int last;
        do {
            last = status(from, key);
            if (last == expected) {
                return;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        assertThat(last).as("status from " + from + " within 15 s").isEqualTo(expected);
    }

    private int status(InetAddress from, String key) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", base.getPort()), 2000);
            socket.getOutputStream().write(("GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            return Integer.parseInt(line.split(" ")[1]);
        }
    }

    static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
