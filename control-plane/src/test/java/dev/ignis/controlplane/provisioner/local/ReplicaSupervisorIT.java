package dev.ignis.controlplane.provisioner.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ignis.controlplane.provisioner.DeploymentSpec;
import dev.ignis.controlplane.provisioner.ProvisionerEvents;
import io.vertx.core.Vertx;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor's crash handling with real child processes that exit at once ({@code java -version}
 * instead of the runtime): restarts with back-off, then a failure report carrying the log's last lines.
 */
class ReplicaSupervisorIT {

    private static final int MAX_QUICK_CRASHES = 3;

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> reports = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        http.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void crashLoopIsReportedFailedWithTheLastLogLinesAndRetriedOnTheNextApply() throws Exception {
        DeploymentSpec spec = spec();
        String java = ProcessHandle.current().info().command().orElseThrow();
        RuntimeCommand exitsAtOnce = new RuntimeCommand(List.of(java, "-version"), Map.of());
        try (ReplicaSupervisor supervisor = new ReplicaSupervisor(spec, dir, config(), s -> exitsAtOnce, events(),
                vertx, http)) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                supervisor.tick();
                return reports.stream().anyMatch(r -> r.startsWith("failed"));
            });
            String failure = reports.stream().filter(r -> r.startsWith("failed")).findFirst().orElseThrow();
            assertThat(failure).contains("exited with code 0").contains(MAX_QUICK_CRASHES + " quick crashes in a row")
                    .contains("version");
            assertThat(reports.getFirst()).startsWith("deploying: starting replicas: 0/1 ready");
            assertThat(reports).anyMatch(r -> r.contains("restarting in 100 ms"))
                    .as("doubled, capped at restart-backoff-max").anyMatch(r -> r.contains("restarting in 150 ms"));
            assertThat(logs()).hasSize(MAX_QUICK_CRASHES);

            // Failed: nothing more is started...
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        supervisor.tick();
                        return logs().size() == MAX_QUICK_CRASHES;
                    });
            assertThat(supervisor.pids()).isEmpty();

            // ...until the deployment is applied again.
            supervisor.apply(spec);
            supervisor.tick();
            assertThat(logs()).hasSize(MAX_QUICK_CRASHES + 1);
        }
    }

    private List<String> logs() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")).toList();
        }
    }

    private ProvisionerEvents events() {
        return new ProvisionerEvents() {
            @Override
            public void deploying(UUID deploymentId, String reason) {
                reports.add("deploying: " + reason);
            }

            @Override
            public void ready(UUID deploymentId, String publicUrl, String privateUrl, String reason) {
                reports.add("ready: " + reason);
            }

            @Override
            public void failed(UUID deploymentId, String reason) {
                reports.add("failed: " + reason);
            }

            @Override
            public void deleted(UUID deploymentId) {
                reports.add("deleted");
            }
        };
    }

    private static DeploymentSpec spec() {
        return new DeploymentSpec(UUID.randomUUID(), UUID.randomUUID(), "crashing", 1,
                new DeploymentSpec.Model("m", "completion", "file:///nowhere.gguf", null, "gguf", "int8"),
                "cpu-2x4", 2, 1L << 32, 1, 1, 256, 1, 1, true, false, false, List.of(), List.of());
    }

    private static LocalConfig config() {
        return new LocalConfig() {
            public String runtimeJar() { return "unused.jar"; }
            public Optional<String> java() { return Optional.empty(); }
            public String jvmOptions() { return ""; }
            public Optional<String> dataDir() { return Optional.empty(); }
            public String bindHost() { return "127.0.0.1"; }
            public String advertisedHost() { return "127.0.0.1"; }
            public Duration startTimeout() { return Duration.ofMinutes(1); }
            public Duration restartBackoff() { return Duration.ofMillis(100); }
            public Duration restartBackoffMax() { return Duration.ofMillis(150); }
            public Duration quickCrashWindow() { return Duration.ofMinutes(1); }
            public int maxQuickCrashes() { return MAX_QUICK_CRASHES; }
            public Duration stopTimeout() { return Duration.ofSeconds(5); }
            public Duration pollInterval() { return Duration.ofMillis(50); }
            public Map<String, String> runtimeEnv() { return Map.of(); }
        };
    }
}
