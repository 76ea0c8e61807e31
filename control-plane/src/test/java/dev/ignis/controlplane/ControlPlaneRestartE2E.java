package dev.ignis.controlplane;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.http.ContentType;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged control plane the way the README does, with nothing configured but IGNIS_HOME: it
 * starts its own embedded PostgreSQL, prints a generated admin key once, and keeps its data across a
 * restart.
 */
class ControlPlaneRestartE2E {

    static {
        io.restassured.RestAssured.enableLoggingOfRequestAndResponseIfValidationFails();
    }

    @TempDir
    Path home;

    @Test
    void dataSurvivesARestartOnTheEmbeddedDatabase() throws Exception {
        int port = freePort();
        String adminKey;
        String deploymentId;
        Process first = start(port, "first.log");
        try {
            awaitReady(port, first, "first.log");
            String log = Files.readString(home.resolve("first.log"));
            adminKey = log.lines().filter(l -> l.contains("Ignis admin API key")).findFirst()
                    .map(l -> l.substring(l.indexOf("ignis_mk_")).split("\\s")[0])
                    .orElseThrow(() -> new AssertionError("no admin key printed on first start:\n" + log));
            deploymentId = given().header("Authorization", "Bearer " + adminKey).contentType(ContentType.JSON)
                    .body(Map.of("name", "survivor", "model", "stories260k:int8", "node_type", "cpu-2x4"))
                    .port(port).post("/v1/deployments").then().statusCode(201).extract().path("id");
        } finally {
            stop(first);
        }
        Process second = start(port, "second.log");
        try {
            awaitReady(port, second, "second.log");
            assertThat(Files.readString(home.resolve("second.log"))).doesNotContain("Ignis admin API key");
            given().header("Authorization", "Bearer " + adminKey).port(port)
                    .get("/v1/deployments/" + deploymentId).then().statusCode(200)
                    .body("name", equalTo("survivor")).body("model", equalTo("stories260k:int8"));
        } finally {
            stop(second);
        }
    }

    private Process start(int port, String logName) throws IOException {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("package the control plane first (mvn package)").exists();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(home.resolve(logName).toFile());
        pb.environment().remove("IGNIS_DB_URL");
        pb.environment().remove("IGNIS_ADMIN_KEY");
        pb.environment().put("IGNIS_HOME", home.toString());
        pb.environment().put("IGNIS_PORT", Integer.toString(port));
        pb.environment().put("IGNIS_HOST", "127.0.0.1");
        pb.environment().put("IGNIS_MODELS_DIR", System.getProperty("ignis.models.dir", "../../shared/models"));
        return pb.start();
    }

    private void awaitReady(int port, Process process, String logName) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("the control plane exited:\n" + Files.readString(home.resolve(logName)));
            }
            given().port(port).get("/q/health/ready").then().statusCode(200);
        });
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
