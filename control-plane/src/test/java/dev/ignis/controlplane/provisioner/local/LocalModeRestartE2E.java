package dev.ignis.controlplane.provisioner.local;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ignis.controlplane.testing.PostgresTestResource;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged control plane in local mode, killed and started again: the replica it left behind is
 * stopped by the next one, which starts a fresh replica behind the same endpoint URL; a graceful stop
 * leaves no replica running.
 */
class LocalModeRestartE2E {

    private static final String ADMIN_KEY = "ignis_e2e_admin_key_0123456789abcdefghijkl";
    private static final String VARIANT = "stories260k:int8";

    static {
        io.restassured.RestAssured.enableLoggingOfRequestAndResponseIfValidationFails();
    }

    @TempDir
    Path home;

    private final PostgresTestResource database = new PostgresTestResource();
    private Map<String, String> datasource;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void startDatabase() {
        datasource = database.start();
    }

    /** Replicas seen, stopped after the test whatever happened (a failed test must not leave one running). */
    private final List<Long> seen = new java.util.ArrayList<>();

    @AfterEach
    void cleanUp() {
        seen.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        database.stop();
        http.close();
    }

    @Test
    void replicasOfAKilledControlPlaneAreReplacedAndAGracefulStopLeavesNone() throws Exception {
        int port = freePort();
        Process first = start(port, "first.log");
        String id;
        String url;
        String key;
        long orphan;
        try {
            awaitUp(port, first, "first.log");
            id = api(port).body(Map.of("name", "restart", "model", VARIANT, "node_type", "cpu-2x4",
                    "engine", Map.of("threads", 1))).post("/v1/deployments").then().statusCode(201).extract().path("id");
            key = api(port).body(Map.of("name", "e2e")).post("/v1/deployments/" + id + "/keys")
                    .then().statusCode(201).extract().path("secret");
            url = awaitReady(port, id, first, "first.log");
            assertThat(complete(url, key)).isEqualTo(200);
            orphan = replicaPid(id);
        } finally {
            first.destroyForcibly().waitFor();
        }
        assertThat(alive(orphan)).as("a killed control plane cannot stop its replica").isTrue();
        String endpoint = url;
        String endpointKey = key;
        assertThatRefused(url);

        Process second = start(port, "second.log");
        long replacement;
        try {
            awaitUp(port, second, "second.log");
            await().atMost(Duration.ofSeconds(30)).until(() -> !alive(orphan));
            await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> complete(endpoint, endpointKey) == 200);
            assertThat(awaitReady(port, id, second, "second.log")).isEqualTo(url);
            replacement = replicaPid(id);
            assertThat(replacement).isNotEqualTo(orphan);
            assertThat(Files.readString(home.resolve("second.log"))).contains("left running by an earlier control plane");
        } finally {
            second.destroy();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("graceful stop").isTrue();
        }
        assertThat(alive(replacement)).as("replica after a graceful stop").isFalse();
    }

    private Process start(int port, String logName) throws IOException {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("package the control plane first (mvn package)").exists();
        String runtime = System.getProperty("ignis.local.runtime-jar");
        assertThat(runtime).as("system property ignis.local.runtime-jar (set by the failsafe configuration)").isNotNull();
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(home.resolve(logName).toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("IGNIS_"));
        env.put("IGNIS_HOME", home.toString());
        env.put("IGNIS_PORT", Integer.toString(port));
        env.put("IGNIS_HOST", "127.0.0.1");
        env.put("IGNIS_ADMIN_KEY", ADMIN_KEY);
        env.put("IGNIS_DB_URL", datasource.get("ignis.db.url"));
        env.put("IGNIS_DB_USER", datasource.get("ignis.db.user"));
        env.put("IGNIS_DB_PASSWORD", datasource.get("ignis.db.password"));
        env.put("IGNIS_MODELS_DIR", System.getProperty("ignis.models.dir", "../../shared/models"));
        env.put("IGNIS_PROVISIONER", "local");
        env.put("IGNIS_LOCAL_RUNTIME_JAR", runtime);
        env.put("IGNIS_LOCAL_BIND_HOST", "127.0.0.1");
        env.put("IGNIS_LOCAL_ADVERTISED_HOST", "127.0.0.1");
        env.put("IGNIS_LOCAL_JVM_OPTIONS", "--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
                + " -Xmx256m -XX:TieredStopAtLevel=1");
        return pb.start();
    }

    private static RequestSpecification api(int port) {
        return given().port(port).header("Authorization", "Bearer " + ADMIN_KEY).contentType(ContentType.JSON)
                .accept(ContentType.JSON);
    }

    private void awaitUp(int port, Process process, String logName) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("the control plane exited:\n" + Files.readString(home.resolve(logName)));
            }
            given().port(port).get("/q/health/ready").then().statusCode(200);
        });
    }

    private String awaitReady(int port, String id, Process process, String logName) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("the control plane exited:\n" + Files.readString(home.resolve(logName)));
            }
            assertThat(api(port).get("/v1/deployments/" + id).then().statusCode(200).extract().<String>path("status"))
                    .isEqualTo("ready");
        });
        return api(port).get("/v1/deployments/" + id).then().extract().path("endpoints[0].url");
    }

    private int complete(String url, String key) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"" + VARIANT + "\", \"prompt\": \"Once upon a time\","
                        + " \"max_tokens\": 8}"))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private long replicaPid(String id) throws IOException {
        Path dir = home.resolve("local/deployments").resolve(id);
        try (var files = Files.list(dir)) {
            List<Path> pidFiles = files.filter(p -> p.getFileName().toString().endsWith(".pid")).toList();
            assertThat(pidFiles).as("PID files in %s", dir).hasSize(1);
            long pid = Long.parseLong(Files.readString(pidFiles.getFirst()).strip());
            seen.add(pid);
            return pid;
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void assertThatRefused(String url) throws InterruptedException {
        // A client of its own: no pooled connection to the dead proxy.
        try (HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<Void> response = fresh.send(HttpRequest.newBuilder(URI.create(url + "/models"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
            throw new AssertionError("the endpoint answered " + response.statusCode() + " with its control plane dead");
        } catch (ConnectException e) {
            // The proxy lived in the control plane.
        } catch (IOException e) {
            throw new AssertionError("expected the connection to be refused", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
