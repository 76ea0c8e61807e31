package dev.ignis.controlplane.provisioner.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One runtime child process: started with its own port on 127.0.0.1, its output appended to
 * {@code replica-<n>.log} and its PID written to {@code replica-<n>.pid} in the deployment's folder (so a
 * control plane that restarts after a crash can stop it). Closing stops it: SIGTERM, then SIGKILL after
 * the grace period.
 */
final class ReplicaProcess implements AutoCloseable {

    /** What {@code /health/ready} said. */
    sealed interface Health {
        record Ready() implements Health {
        }

        /** Not ready yet: loading, or not answering yet. */
        record Starting(String detail) implements Health {
        }

        /** The runtime answers but cannot load the model; restarting will not help. */
        record Broken(String reason) implements Health {
        }
    }

    private static final Pattern REASON = Pattern.compile("\"reason\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final int number;
    private final int port;
    private final RuntimeCommand command;
    private final Process process;
    private final Path log;
    private final Path pidFile;
    private final Instant startedAt = Instant.now();
    private volatile boolean ready;

    private ReplicaProcess(int number, int port, RuntimeCommand command, Process process, Path log, Path pidFile) {
        this.number = number;
        this.port = port;
        this.command = command;
        this.process = process;
        this.log = log;
        this.pidFile = pidFile;
    }

    /** Starts replica {@code number} of a deployment whose files live in {@code dir}. */
    static ReplicaProcess start(String deploymentId, int number, RuntimeCommand command, Path dir) throws IOException {
        Files.createDirectories(dir);
        int port = freePort();
        Path log = dir.resolve("replica-" + number + ".log");
        ProcessBuilder builder = new ProcessBuilder(command.commandFor(deploymentId, number))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        // Nothing of the control plane's own runtime or Quarkus settings leaks into a replica.
        env.keySet().removeIf(k -> k.startsWith("IGNIS_") || k.startsWith("QUARKUS_"));
        env.putAll(command.environment());
        env.put("IGNIS_RUNTIME_PORT", Integer.toString(port));
        Process process = builder.start();
        Path pidFile = dir.resolve("replica-" + number + ".pid");
        Files.writeString(pidFile, Long.toString(process.pid()));
        return new ReplicaProcess(number, port, command, process, log, pidFile);
    }

    int number() {
        return number;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    RuntimeCommand command() {
        return command;
    }

    Instant startedAt() {
        return startedAt;
    }

    boolean alive() {
        return process.isAlive();
    }

    int exitCode() {
        return process.exitValue();
    }

    boolean ready() {
        return ready;
    }

    /** Asks the runtime's {@code /health/ready}; remembers a ready answer. */
    Health poll(HttpClient http) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                ready = true;
                return new Health.Ready();
            }
            Matcher m = REASON.matcher(response.body());
            String reason = m.find() ? m.group(1).replace("\\\"", "\"").replace("\\\\", "\\") : response.body();
            return reason.equals("loading") ? new Health.Starting("loading the model") : new Health.Broken(reason);
        } catch (IOException e) {
            return new Health.Starting("not answering yet");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Health.Starting("interrupted");
        }
    }

    /** The last lines of the replica's log, for failure reasons. */
    String logTail(int lines) {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            int size = (int) Math.min(length, 16 * 1024);
            byte[] tail = new byte[size];
            file.seek(length - size);
            file.readFully(tail);
            List<String> all = new String(tail, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log " + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    Path log() {
        return log;
    }

    /** Asks the process to stop (SIGTERM) without waiting; {@link #finishStop} completes it. */
    void terminate() {
        ready = false;
        process.destroy();
    }

    /**
     * After {@link #terminate}: whether the process has gone (its PID file is then removed); when it is
     * still there after {@code deadline}, it is killed (SIGKILL).
     */
    boolean finishStop(Instant deadline) {
        if (process.isAlive() && Instant.now().isAfter(deadline)) {
            process.destroyForcibly();
        }
        if (process.isAlive()) {
            return false;
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return true;
    }

    /** Stops the process and waits: SIGTERM, then SIGKILL after {@code grace}. */
    void stop(Duration grace) {
        terminate();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        finishStop(Instant.MIN);
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    private static int freePort() throws IOException {
        // The port is free now; a replica that loses it to another process fails to start and is restarted.
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
