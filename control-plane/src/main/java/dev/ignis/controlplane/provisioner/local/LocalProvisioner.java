package dev.ignis.controlplane.provisioner.local;

import dev.ignis.controlplane.provisioner.DeploymentSpec;
import dev.ignis.controlplane.provisioner.Provisioner;
import dev.ignis.controlplane.provisioner.ProvisionerEvents;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Reception;
import jakarta.enterprise.inject.Typed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs deployments as runtime child processes on this machine ({@code ignis.provisioner=local}): one
 * {@link ReplicaSupervisor} per deployment, each with its replicas and its {@link DeploymentProxy}.
 * Files live in {@code <data-dir>/deployments/<id>/}: one log and one PID file per replica, and the
 * proxy's port (reused after a restart so the endpoint URL stays the same).
 *
 * <p>Replicas do not outlive the control plane: they are stopped when it stops, and replicas left by a
 * control plane that died are found through their PID files and stopped when the next one starts; the
 * start-up reconciliation ({@code DeploymentReconciler}) then applies every deployment again, which
 * starts fresh replicas. They are not adopted: a restart costs a model load, which is seconds for the
 * models this mode is meant for, and it leaves no process whose output nobody reads.
 */
@ApplicationScoped
@Typed(LocalProvisioner.class)
public class LocalProvisioner implements Provisioner, AutoCloseable {

    public static final String NAME = "local";
    private static final Logger LOG = Logger.getLogger(LocalProvisioner.class);

    private record Running(ReplicaSupervisor supervisor, ScheduledFuture<?> ticks) {
    }

    private final LocalConfig config;
    private final ProvisionerEvents events;
    private final Vertx vertx;
    private final String home;
    private final Map<UUID, Running> running = new ConcurrentHashMap<>();
    private Path runtimeJar;
    private String java;
    private Path dataDir;
    private ScheduledExecutorService scheduler;
    private ExecutorService stopper;
    private HttpClient http;

    LocalProvisioner(LocalConfig config, ProvisionerEvents events, Vertx vertx,
                     @ConfigProperty(name = "ignis.home") String home) {
        this.config = config;
        this.events = events;
        this.vertx = vertx;
        this.home = home;
    }

    @PostConstruct
    void start() {
        runtimeJar = Path.of(config.runtimeJar()).toAbsolutePath().normalize();
        if (!Files.isRegularFile(runtimeJar)) {
            throw new IllegalStateException("ignis.local.runtime-jar (IGNIS_LOCAL_RUNTIME_JAR): no runtime at "
                    + runtimeJar + "; build it with './mvnw -pl runtime/server -am package -DskipTests' or point the"
                    + " setting at the runtime's quarkus-app/quarkus-run.jar");
        }
        java = config.java().or(() -> ProcessHandle.current().info().command()).orElseThrow(() ->
                new IllegalStateException("ignis.local.java (IGNIS_LOCAL_JAVA): the java launcher of this JVM is"
                        + " unknown; set the path of a JDK 25 java"));
        if (!Files.isExecutable(Path.of(java))) {
            throw new IllegalStateException("ignis.local.java (IGNIS_LOCAL_JAVA): " + java + " is not an executable");
        }
        check(!config.bindHost().isBlank(), "ignis.local.bind-host", "must not be empty");
        check(!config.advertisedHost().isBlank(), "ignis.local.advertised-host", "must not be empty");
        for (var d : Map.of("ignis.local.start-timeout", config.startTimeout(), "ignis.local.restart-backoff",
                config.restartBackoff(), "ignis.local.restart-backoff-max", config.restartBackoffMax(),
                "ignis.local.quick-crash-window", config.quickCrashWindow(), "ignis.local.stop-timeout",
                config.stopTimeout(), "ignis.local.poll-interval", config.pollInterval()).entrySet()) {
            check(d.getValue().isPositive(), d.getKey(), "must be a positive duration, not " + d.getValue());
        }
        check(config.restartBackoffMax().compareTo(config.restartBackoff()) >= 0, "ignis.local.restart-backoff-max",
                "must not be less than ignis.local.restart-backoff");
        check(config.maxQuickCrashes() >= 1, "ignis.local.max-quick-crashes", "must be at least 1");
        config.runtimeEnv().keySet().forEach(k -> check(k.matches("[A-Z_][A-Z0-9_]*"), "ignis.local.runtime-env." + k,
                "must be an environment variable name (upper case, digits, _)"));
        dataDir = Path.of(config.dataDir().orElse(home + "/local")).toAbsolutePath().normalize();
        try {
            Files.createDirectories(dataDir.resolve("deployments"));
        } catch (IOException e) {
            throw new IllegalStateException("ignis.local.data-dir (IGNIS_LOCAL_DATA_DIR): cannot create " + dataDir
                    + ": " + e.getMessage(), e);
        }
        stopStaleReplicas();
        scheduler = Executors.newScheduledThreadPool(2, Thread.ofPlatform().name("ignis-local-supervisor-", 0)
                .daemon().factory());
        stopper = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("ignis-local-stop-", 0).factory());
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        LOG.infof("Local provisioner: runtime %s, java %s, data under %s, endpoints on %s (advertised as %s)",
                runtimeJar, java, dataDir, config.bindHost(), config.advertisedHost());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void apply(DeploymentSpec spec) {
        running.compute(spec.id(), (id, existing) -> {
            if (existing != null) {
                existing.supervisor().apply(spec);
                scheduler.execute(() -> tick(existing.supervisor()));
                return existing;
            }
            ReplicaSupervisor supervisor = new ReplicaSupervisor(spec, dataDir.resolve("deployments").resolve(id.toString()),
                    config, this::command, events, vertx, http);
            ScheduledFuture<?> ticks = scheduler.scheduleWithFixedDelay(() -> tick(supervisor), 0,
                    config.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
            return new Running(supervisor, ticks);
        });
    }

    @Override
    public void delete(UUID deploymentId) {
        Running removed = running.remove(deploymentId);
        if (removed == null) {
            deleteFiles(deploymentId);
            events.deleted(deploymentId);
            return;
        }
        removed.ticks().cancel(false);
        // Stopping replicas takes up to the stop timeout: not on the caller's thread.
        stopper.execute(() -> {
            try {
                removed.supervisor().close();
                deleteFiles(deploymentId);
            } catch (RuntimeException e) {
                LOG.errorf(e, "Deployment %s: stopping its replicas failed", deploymentId);
            }
            events.deleted(deploymentId);
        });
    }

    /** The PIDs of a deployment's running replicas (empty when it runs none). */
    public List<Long> replicaPids(UUID deploymentId) {
        Running r = running.get(deploymentId);
        return r == null ? List.of() : r.supervisor().pids();
    }

    /** Where replicas' files live. */
    public Path dataDir() {
        return dataDir;
    }

    private RuntimeCommand command(DeploymentSpec spec) {
        return RuntimeCommand.of(spec, java, config.jvmOptions(), runtimeJar, dataDir.resolve("model-cache"),
                config.runtimeEnv());
    }

    private static void tick(ReplicaSupervisor supervisor) {
        try {
            supervisor.tick();
        } catch (RuntimeException e) {
            // Never let one failure end the periodic ticks.
            LOG.errorf(e, "Deployment %s: supervision failed; retried at the next tick", supervisor.id());
        }
    }

    /** Stops replicas a previous control plane left running (it died before it could stop them). */
    private void stopStaleReplicas() {
        try (Stream<Path> pidFiles = Files.find(dataDir.resolve("deployments"), 2,
                (p, a) -> p.getFileName().toString().matches("replica-\\d+\\.pid"))) {
            for (Path pidFile : pidFiles.toList()) {
                stopStale(pidFile);
                Files.deleteIfExists(pidFile);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the PID files under " + dataDir, e);
        }
    }

    private void stopStale(Path pidFile) throws IOException {
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).strip());
        } catch (NumberFormatException e) {
            return;
        }
        // Only a process whose command line carries our marker: the PID may have been reused since.
        ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(RuntimeCommand.MARKER)).orElse(false))
                .ifPresent(p -> {
                    LOG.infof("Stopping replica pid %d left running by an earlier control plane (%s)", pid, pidFile);
                    p.destroy();
                    try {
                        p.onExit().get(config.stopTimeout().toMillis(), TimeUnit.MILLISECONDS);
                    } catch (Exception e) {
                        p.destroyForcibly();
                    }
                });
    }

    private void deleteFiles(UUID deploymentId) {
        Path dir = dataDir.resolve("deployments").resolve(deploymentId.toString());
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warnf("Deployment %s: could not remove %s: %s", deploymentId, dir, e.getMessage());
        }
    }

    /** Stops every replica and proxy when the control plane stops (only if this provisioner was chosen). */
    void stop(@Observes(notifyObserver = Reception.IF_EXISTS) ShutdownEvent event) {
        close();
    }

    /** Stops every deployment's replicas (side by side) and proxy, then the scheduler and the health client. */
    @Override
    public void close() {
        if (scheduler == null || scheduler.isShutdown()) {
            return;
        }
        List<Running> all = List.copyOf(running.values());
        running.clear();
        all.forEach(r -> r.ticks().cancel(false));
        scheduler.shutdown();
        try (ExecutorService parallel = Executors.newVirtualThreadPerTaskExecutor()) {
            all.forEach(r -> parallel.execute(() -> r.supervisor().close()));
        }
        stopper.close();
        http.close();
        LOG.infof("Local provisioner stopped %d deployment(s)", all.size());
    }

    private static void check(boolean ok, String setting, String message) {
        if (!ok) {
            throw new IllegalStateException(setting + ": " + message);
        }
    }
}
