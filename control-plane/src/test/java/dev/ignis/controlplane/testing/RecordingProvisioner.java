package dev.ignis.controlplane.testing;

import dev.ignis.controlplane.provisioner.DeploymentSpec;
import dev.ignis.controlplane.provisioner.Provisioner;
import dev.ignis.controlplane.provisioner.ProvisionerEvents;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test-only provisioner: records every desired state it is given and lets a test play the part of the
 * cluster by reporting status through the real {@link ProvisionerEvents}. Deletion completes at once
 * unless a test holds it back.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class RecordingProvisioner implements Provisioner {

    private final ProvisionerEvents events;
    private final Map<UUID, List<DeploymentSpec>> applied = new ConcurrentHashMap<>();
    private final List<UUID> deleted = new CopyOnWriteArrayList<>();
    private volatile boolean holdDeletes;
    private volatile RuntimeException failNextApply;

    RecordingProvisioner(ProvisionerEvents events) {
        this.events = events;
    }

    @Override
    public String name() {
        return "test";
    }

    @Override
    public void apply(DeploymentSpec spec) {
        RuntimeException failure = failNextApply;
        if (failure != null) {
            failNextApply = null;
            throw failure;
        }
        applied.computeIfAbsent(spec.id(), id -> new CopyOnWriteArrayList<>()).add(spec);
    }

    @Override
    public void delete(UUID deploymentId) {
        deleted.add(deploymentId);
        if (!holdDeletes) {
            events.deleted(deploymentId);
        }
    }

    public List<DeploymentSpec> applied(UUID id) {
        return applied.getOrDefault(id, List.of());
    }

    public DeploymentSpec lastApplied(UUID id) {
        List<DeploymentSpec> specs = applied(id);
        return specs.isEmpty() ? null : specs.getLast();
    }

    public List<UUID> deleted() {
        return deleted;
    }

    public void holdDeletes(boolean hold) {
        this.holdDeletes = hold;
    }

    public void failNextApply(RuntimeException failure) {
        this.failNextApply = failure;
    }

    public ProvisionerEvents events() {
        return events;
    }
}
