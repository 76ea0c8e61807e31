package dev.ignis.controlplane.provisioner.local;

import dev.ignis.controlplane.provisioner.DeploymentSpec;
import dev.ignis.controlplane.provisioner.ProvisionerEvents;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Keeps one local deployment at its spec: {@code minReplicas} runtime processes of the current
 * {@link RuntimeCommand}, and the {@link DeploymentProxy} in front of the ready ones. Each {@link #tick}
 * (every poll interval, and at once after an apply) reaps exited replicas, polls the starting ones, starts
 * or stops replicas, rolls a changed command (new replicas first; the old ones stop once the new are all
 * ready), hands the ready ports to the proxy and reports status when it changed.
 *
 * <p>A replica that exits is restarted after a back-off that doubles with each quick crash (one within
 * {@code quick-crash-window} of its start), up to {@code restart-backoff-max}. After
 * {@code max-quick-crashes} in a row, or when a runtime says its model cannot be loaded, the deployment
 * is reported failed with the replica's last log lines and nothing more is started until the next apply.
 * Replicas of a previous command that are ready keep serving meanwhile.
 */
final class ReplicaSupervisor implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReplicaSupervisor.class);
    private static final int LOG_LINES = 12;
    private static final int LOGS_KEPT = 10;

    private enum Phase { DEPLOYING, READY, ERROR }

    /** A status report for the control plane; sent when it differs from the last one. */
    private record Report(Phase phase, String reason, String publicUrl, String privateUrl) {
    }

    private final UUID id;
    private final Path dir;
    private final LocalConfig config;
    private final Function<DeploymentSpec, RuntimeCommand> commands;
    private final ProvisionerEvents events;
    private final Vertx vertx;
    private final HttpClient http;

    private DeploymentSpec spec;
    private RuntimeCommand command;
    private DeploymentProxy proxy;
    private final List<ReplicaProcess> replicas = new ArrayList<>();
    /** Replicas sent SIGTERM, with the time after which they are killed; reaped by later ticks. */
    private final Map<ReplicaProcess, Instant> stopping = new HashMap<>();
    private int nextNumber = 1;
    private int quickCrashes;
    private Instant restartNotBefore = Instant.MIN;
    private String lastExit;
    private String failure;
    private Report reported;
    private boolean closed;

    ReplicaSupervisor(DeploymentSpec spec, Path dir, LocalConfig config, Function<DeploymentSpec, RuntimeCommand> commands,
                      ProvisionerEvents events, Vertx vertx, HttpClient http) {
        this.id = spec.id();
        this.dir = dir;
        this.config = config;
        this.commands = commands;
        this.events = events;
        this.vertx = vertx;
        this.http = http;
        apply(spec);
    }

    /** Takes a new desired state; the next tick acts on it. Allowed IPs and keys take effect at once. */
    synchronized void apply(DeploymentSpec newSpec) {
        if (spec != null && newSpec.generation() < spec.generation()) {
            LOG.debugf("Stale apply of generation %d for %s ignored", newSpec.generation(), id);
            return;
        }
        spec = newSpec;
        if (proxy != null) {
            proxy.gate(ProxyGate.of(newSpec));
        }
        try {
            RuntimeCommand next = commands.apply(newSpec);
            if (!next.equals(command) || failure != null) {
                quickCrashes = 0;
                restartNotBefore = Instant.MIN;
            }
            command = next;
            failure = null;
        } catch (IllegalArgumentException e) {
            failure = e.getMessage();
        }
        // Report afresh: the control plane may have changed the status itself (rolling out, unlocked).
        reported = null;
    }

    /** The PIDs of the running replicas, oldest first. */
    synchronized List<Long> pids() {
        return replicas.stream().map(ReplicaProcess::pid).toList();
    }

    /**
     * One round of supervision. Reports are sent under the lock, so they reach the control plane in the
     * order they were made (apply never holds a database lock when it calls in).
     */
    synchronized void tick() {
        if (closed) {
            return;
        }
        Report report = reconcile();
        if (report.equals(reported)) {
            return;
        }
        reported = report;
        switch (report.phase) {
            case READY -> events.ready(id, report.publicUrl, report.privateUrl, report.reason);
            case ERROR -> events.failed(id, report.reason);
            case DEPLOYING -> events.deploying(id, report.reason);
        }
    }

    private Report reconcile() {
        Instant now = Instant.now();
        if (proxy == null) {
            try {
                Files.createDirectories(dir);
                proxy = DeploymentProxy.start(vertx, config.bindHost(), recordedPort(), ProxyGate.of(spec));
                Files.writeString(dir.resolve("proxy.port"), Integer.toString(proxy.port()));
            } catch (IOException e) {
                LOG.warnf("Deployment %s: cannot record the proxy's port in %s: %s", id, dir, e.getMessage());
            } catch (RuntimeException e) {
                LOG.errorf(e, "The proxy of deployment %s cannot listen on %s", id, config.bindHost());
                return new Report(Phase.ERROR, "the endpoint cannot listen on " + config.bindHost() + ": " + e.getMessage(),
                        null, null);
            }
            if (proxy == null) {
                return new Report(Phase.ERROR, "the deployment's folder " + dir + " cannot be created", null, null);
            }
        }
        reapAndPoll(now);

        List<ReplicaProcess> current = replicas.stream().filter(r -> r.command().equals(command)).toList();
        List<ReplicaProcess> old = replicas.stream().filter(r -> !r.command().equals(command)).toList();
        int wanted = spec.minReplicas();
        if (failure == null && command != null) {
            for (int missing = wanted - current.size(); missing > 0 && !now.isBefore(restartNotBefore); missing--) {
                startReplica();
            }
        }
        // Scale down: the newest not-ready replicas go first.
        current = replicas.stream().filter(r -> r.command().equals(command)).toList();
        current.stream().sorted(Comparator.comparing(ReplicaProcess::ready).thenComparing(ReplicaProcess::number,
                Comparator.reverseOrder())).limit(Math.max(0, current.size() - wanted)).toList().forEach(this::stop);
        current = replicas.stream().filter(r -> r.command().equals(command)).toList();
        long currentReady = current.stream().filter(ReplicaProcess::ready).count();
        // Roll: replicas of an older command stop once the new ones all serve (or none is wanted).
        if (!old.isEmpty() && currentReady >= wanted) {
            old.forEach(this::stop);
            old = List.of();
        }
        proxy.backends(replicas.stream().filter(ReplicaProcess::ready).map(ReplicaProcess::port).toList());

        if (failure != null) {
            return new Report(Phase.ERROR, failure, null, null);
        }
        if (currentReady >= wanted && old.isEmpty()) {
            lastExit = null;
            String url = "http://" + config.advertisedHost() + ":" + proxy.port() + "/v1";
            String privateUrl = "http://127.0.0.1:" + proxy.port() + "/v1";
            return new Report(Phase.READY, currentReady + "/" + wanted + " replicas ready", spec.publicEndpoint() ? url : null,
                    spec.privateEndpoint() ? privateUrl : null);
        }
        String progress = (old.isEmpty() ? "starting replicas: " : "rolling out: ") + currentReady + "/" + wanted
                + " ready";
        return new Report(Phase.DEPLOYING, lastExit == null ? progress : progress + "; " + lastExit, null, null);
    }

    /** Removes exited replicas (scheduling their restart) and polls those not ready yet. */
    private void reapAndPoll(Instant now) {
        stopping.entrySet().removeIf(e -> e.getKey().finishStop(e.getValue()));
        for (ReplicaProcess replica : List.copyOf(replicas)) {
            if (!replica.alive()) {
                replicas.remove(replica);
                crashed(replica, "replica " + replica.number() + " exited with code " + replica.exitCode(), now);
            } else if (!replica.ready()) {
                switch (replica.poll(http)) {
                    case ReplicaProcess.Health.Ready r -> LOG.infof("Deployment %s: replica %d ready on port %d (pid %d)",
                            id, replica.number(), replica.port(), replica.pid());
                    case ReplicaProcess.Health.Broken b -> {
                        if (replica.command().equals(command)) {
                            failure = "the model could not be loaded: " + b.reason();
                        }
                        stop(replica);
                    }
                    case ReplicaProcess.Health.Starting s -> {
                        if (now.isAfter(replica.startedAt().plus(config.startTimeout()))) {
                            stop(replica);
                            crashed(replica, "replica " + replica.number() + " was not ready within "
                                    + config.startTimeout().toSeconds() + " s", now);
                        }
                    }
                }
            }
        }
    }

    private void crashed(ReplicaProcess replica, String what, Instant now) {
        if (!replica.command().equals(command)) {
            return; // an old replica: it is not restarted
        }
        boolean quick = Duration.between(replica.startedAt(), now).compareTo(config.quickCrashWindow()) < 0;
        quickCrashes = quick ? quickCrashes + 1 : 1;
        String tail = replica.logTail(LOG_LINES);
        LOG.warnf("Deployment %s: %s (log %s):\n%s", id, what, replica.log(), tail);
        if (quick && quickCrashes >= config.maxQuickCrashes()) {
            failure = what + "; " + quickCrashes + " quick crashes in a row, not restarted. Last log lines:\n" + tail;
            return;
        }
        long backoff = Math.min(config.restartBackoffMax().toMillis(),
                config.restartBackoff().toMillis() << Math.min(quickCrashes - 1, 20));
        restartNotBefore = now.plusMillis(backoff);
        lastExit = what + "; restarting in " + backoff + " ms";
    }

    private void startReplica() {
        int number = nextNumber++;
        try {
            ReplicaProcess replica = ReplicaProcess.start(id.toString(), number, command, dir);
            replicas.add(replica);
            LOG.infof("Deployment %s: started replica %d on port %d (pid %d), log %s", id, number, replica.port(),
                    replica.pid(), replica.log());
            Files.deleteIfExists(dir.resolve("replica-" + (number - LOGS_KEPT) + ".log"));
        } catch (IOException e) {
            LOG.errorf(e, "Deployment %s: replica %d cannot start", id, number);
            failure = "a replica cannot start: " + e.getMessage();
        }
    }

    /** Takes a replica out of service and asks it to stop; a later tick reaps it (without blocking this one). */
    private void stop(ReplicaProcess replica) {
        replicas.remove(replica);
        replica.terminate();
        stopping.put(replica, Instant.now().plus(config.stopTimeout()));
        LOG.infof("Deployment %s: stopping replica %d (pid %d)", id, replica.number(), replica.pid());
    }

    private int recordedPort() {
        try {
            Path file = dir.resolve("proxy.port");
            return Files.isRegularFile(file) ? Integer.parseInt(Files.readString(file).strip()) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Stops every replica (side by side, waiting for each) and the proxy. */
    @Override
    public synchronized void close() {
        closed = true;
        List<ReplicaProcess> all = new ArrayList<>(replicas);
        all.addAll(stopping.keySet());
        replicas.clear();
        stopping.clear();
        all.forEach(ReplicaProcess::terminate);
        all.forEach(r -> r.stop(config.stopTimeout()));
        if (proxy != null) {
            proxy.close();
        }
    }

    UUID id() {
        return id;
    }
}
