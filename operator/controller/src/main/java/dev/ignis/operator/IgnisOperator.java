package dev.ignis.operator;

import com.sun.net.httpserver.HttpServer;
import dev.ignis.operator.inferencedeployment.InferenceDeploymentReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashSet;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator process: one InferenceDeployment controller, leader election when a lease namespace is known
 * (several replicas may run; one reconciles), and /healthz, /readyz for the kubelet.
 */
public final class IgnisOperator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IgnisOperator.class);

    private final Operator operator;
    private final HttpServer health;
    private final String identity;

    private IgnisOperator(Operator operator, HttpServer health, String identity) {
        this.operator = operator;
        this.health = health;
        this.identity = identity;
    }

    /** The name this replica holds the leader-election Lease under (its pod name, made unique). */
    public String leaderIdentity() {
        return identity;
    }

    /** Starts an operator on that client; the caller closes it. */
    public static IgnisOperator start(KubernetesClient client, OperatorSettings settings) throws IOException {
        String identity = System.getenv().getOrDefault("POD_NAME", "ignis-operator") + "-"
                + java.util.UUID.randomUUID().toString().substring(0, 8);
        Operator operator = new Operator(o -> {
            o.withKubernetesClient(client);
            o.withCloseClientOnStop(false);
            // Plain creates/updates and merge patches instead of server-side apply: the same calls work on every
            // API server, including Fabric8's mock, and the control plane owns the spec without field-manager
            // conflicts. Owned objects are matched against their desired state field by field.
            o.withSSABasedCreateUpdateMatchForDependentResources(false);
            o.withUseSSAToPatchPrimaryResource(false);
            if (settings.leaseNamespace() != null) {
                // A replica that loses the Lease exits (and is restarted) rather than risk two reconcilers.
                o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(settings.leaseName(),
                        settings.leaseNamespace(), LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE, identity, null,
                        settings.exitOnLostLease()));
            }
        });
        operator.register(new InferenceDeploymentReconciler(settings, Clock.systemUTC()), c -> {
            if (!settings.watchNamespaces().isEmpty()) {
                c.settingNamespaces(new HashSet<>(settings.watchNamespaces()));
            }
        });
        operator.start();
        HttpServer health = null;
        if (settings.healthPort() > 0) {
            health = HttpServer.create(new InetSocketAddress(settings.healthPort()), 0);
            health.createContext("/healthz", exchange -> respond(exchange, 200, "ok"));
            health.createContext("/readyz", exchange -> {
                boolean ok = operator.getRuntimeInfo().allEventSourcesAreHealthy();
                respond(exchange, ok ? 200 : 503, ok ? "ok" : "event sources unhealthy");
            });
            health.start();
        }
        LOG.info("ignis-operator {} started; runtime image {}; namespaces {}; leader election {}", Version.VERSION,
                settings.runtimeImage(), settings.watchNamespaces().isEmpty() ? "all" : settings.watchNamespaces(),
                settings.leaseNamespace() == null ? "off" : "lease " + settings.leaseNamespace() + "/"
                        + settings.leaseName());
        return new IgnisOperator(operator, health, identity);
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        if (health != null) {
            health.stop(0);
        }
        operator.stop();
    }

    public static void main(String[] args) throws IOException {
        OperatorSettings settings;
        try {
            settings = OperatorSettings.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("ignis-operator: " + e.getMessage());
            System.exit(2);
            return;
        }
        KubernetesClient client = new KubernetesClientBuilder().build();
        IgnisOperator running = start(client, settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            client.close();
            stopped.countDown();
        }, "ignis-operator-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
