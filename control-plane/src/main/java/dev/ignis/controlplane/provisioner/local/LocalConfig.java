package dev.ignis.controlplane.provisioner.local;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of the local provisioner, {@code ignis.local.*} (documented in docs/reference/configuration.md).
 * They are checked by {@link LocalProvisioner} when it is the selected provisioner.
 */
@ConfigMapping(prefix = "ignis.local")
public interface LocalConfig {

    /** The runtime's packaged application; relative paths are against the working directory. */
    @WithDefault("runtime/server/target/quarkus-app/quarkus-run.jar")
    String runtimeJar();

    /** The java launcher for replicas; absent: the one running the control plane. */
    Optional<String> java();

    /**
     * JVM options of every replica, separated by spaces. The heap holds only activations, logits and the
     * tokenizer (weights are mapped, KV caches are native memory), hence a fixed heap rather than the JVM's
     * default share of this machine's memory.
     */
    @WithDefault("--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx384m")
    String jvmOptions();

    /** Where replicas' logs, PID files and downloaded models live; absent: {@code <ignis.home>/local}. */
    Optional<String> dataDir();

    /** The address the deployments' proxies listen on. */
    @WithDefault("0.0.0.0")
    String bindHost();

    /** The host name put in endpoint URLs: how clients reach this machine. */
    @WithDefault("localhost")
    String advertisedHost();

    /** How long a replica may take to become ready (model download and load) before it is restarted. */
    @WithDefault("10m")
    Duration startTimeout();

    /** The wait before restarting a crashed replica; doubled after each quick crash. */
    @WithDefault("1s")
    Duration restartBackoff();

    /** The longest wait before a restart. */
    @WithDefault("60s")
    Duration restartBackoffMax();

    /** A replica that exits within this time of starting has crashed quickly. */
    @WithDefault("60s")
    Duration quickCrashWindow();

    /** Quick crashes in a row after which the deployment is reported failed and no longer restarted. */
    @WithDefault("5")
    int maxQuickCrashes();

    /** How long a replica may take to stop after SIGTERM before it is killed. */
    @WithDefault("10s")
    Duration stopTimeout();

    /** How often replicas are checked (alive, ready) and the proxies' backends refreshed. */
    @WithDefault("500ms")
    Duration pollInterval();

    /** Extra environment of every replica, e.g. {@code IGNIS_RUNTIME_QUEUE_SIZE} or a chat template. */
    Map<String, String> runtimeEnv();
}
