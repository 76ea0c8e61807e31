package dev.ignis.controlplane.provisioner.local;

import dev.ignis.controlplane.provisioner.DeploymentSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a replica of a deployment runs: the java command line and the runtime's environment. Two specs
 * with equal commands need no restart (allowed IPs and keys are enforced by the proxy, not the runtime);
 * a different command (model, quantization, context, slots, threads) rolls the replicas.
 *
 * <p>The runtime listens on 127.0.0.1 only and is given no keys and no allowed list: the deployment's
 * proxy is the gate, so that keys and allowed IPs change without restarting the model.
 *
 * @param command the java launcher, JVM options and {@code -jar <runtime>}
 * @param environment the runtime's settings ({@code IGNIS_RUNTIME_*}), without the port
 */
record RuntimeCommand(List<String> command, Map<String, String> environment) {

    /** The system property that marks a replica's command line, so a later control plane can find it. */
    static final String MARKER = "-Dignis.local.replica=";

    RuntimeCommand {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }

    static RuntimeCommand of(DeploymentSpec spec, String java, String jvmOptions, Path runtimeJar, Path modelCache,
                             Map<String, String> extraEnvironment) {
        DeploymentSpec.Model model = spec.model();
        if (model.sourceUri() == null || model.sourceUri().isBlank()) {
            throw new IllegalArgumentException("the model " + model.name() + " has no source URI");
        }
        List<String> command = new ArrayList<>();
        command.add(java);
        Arrays.stream(jvmOptions.strip().split("\\s+")).filter(o -> !o.isEmpty()).forEach(command::add);
        command.add("-Dignis.engine.threads=" + spec.threads());
        command.add("-jar");
        command.add(runtimeJar.toString());

        Map<String, String> env = new TreeMap<>(extraEnvironment);
        env.put("IGNIS_RUNTIME_HOST", "127.0.0.1");
        env.put("IGNIS_RUNTIME_MODEL", model.sourceUri());
        if (model.sha256() != null && !model.sha256().isBlank()) {
            env.put("IGNIS_RUNTIME_MODEL_SHA256", model.sha256());
        }
        // Clients send the variant's name, as the deployment shows it.
        env.put("IGNIS_RUNTIME_MODEL_NAME", model.name() + ":" + model.quantization());
        env.put("IGNIS_RUNTIME_QUANTIZATION", model.quantization());
        env.put("IGNIS_RUNTIME_CONTEXT_SIZE", Integer.toString(spec.contextSize()));
        env.put("IGNIS_RUNTIME_SLOTS", Integer.toString(spec.slots()));
        env.put("IGNIS_RUNTIME_CACHE_DIR", modelCache.toString());
        return new RuntimeCommand(command, env);
    }

    /** The command line of replica {@code number}: the marker names the deployment and the replica. */
    List<String> commandFor(String deploymentId, int number) {
        List<String> line = new ArrayList<>(command);
        line.add(1, MARKER + deploymentId + "/" + number);
        return line;
    }
}
