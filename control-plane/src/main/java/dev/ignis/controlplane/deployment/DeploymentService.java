package dev.ignis.controlplane.deployment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ignis.controlplane.acl.AclRules;
import dev.ignis.controlplane.auth.Caller;
import dev.ignis.controlplane.auth.Secrets;
import dev.ignis.controlplane.model.ModelEntity;
import dev.ignis.controlplane.model.ModelService;
import dev.ignis.controlplane.paging.PageRequest;
import dev.ignis.controlplane.problem.ProblemException;
import dev.ignis.controlplane.problem.ProblemType;
import dev.ignis.controlplane.provisioner.DeploymentSpec;
import dev.ignis.controlplane.provisioner.Provisioner;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PersistenceException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.hibernate.exception.ConstraintViolationException;
import org.jboss.logging.Logger;

/**
 * Deployments: the rules of create, update and delete, optimistic concurrency, idempotent creation and
 * the event history. Every change commits first, then hands the whole desired state to the provisioner.
 */
@ApplicationScoped
public class DeploymentService {

    private static final Logger LOG = Logger.getLogger(DeploymentService.class);
    public static final int DEFAULT_SLOTS = 4;
    public static final int DEFAULT_CONTEXT = 4096;
    static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);

    private final EntityManager em;
    private final org.hibernate.StatelessSession readSession;
    private final ModelService models;
    private final DeploymentSizing sizing;
    private final Provisioner provisioner;
    private final DeploymentStatusUpdater statusUpdater;
    private final ObjectMapper json;

    DeploymentService(EntityManager em, org.hibernate.StatelessSession readSession, ModelService models,
                      DeploymentSizing sizing, Provisioner provisioner, DeploymentStatusUpdater statusUpdater,
                      ObjectMapper json) {
        this.em = em;
        this.readSession = readSession;
        this.models = models;
        this.sizing = sizing;
        this.provisioner = provisioner;
        this.statusUpdater = statusUpdater;
        this.json = json;
    }

    /** A created (or, for a repeated Idempotency-Key, earlier created) deployment. */
    public record Created(DeploymentResponse deployment, boolean replayed) {
    }

    public Created create(Caller caller, DeploymentRequests.Create request, String idempotencyKey) {
        byte[] requestHash = idempotencyKey == null ? null : hashOf(request);
        try {
            Outcome outcome = QuarkusTransaction.requiringNew().call(() ->
                    createInTransaction(caller, request, idempotencyKey, requestHash));
            if (!outcome.replayed) {
                applyAfterCommit(outcome.spec);
            }
            return new Created(outcome.response, outcome.replayed);
        } catch (IdempotencyRace race) {
            // Another request with the same key committed first: answer as it did.
            return QuarkusTransaction.requiringNew().call(() -> {
                Created replay = replay(caller, idempotencyKey, requestHash);
                if (replay == null) {
                    throw new ProblemException(ProblemType.CONFLICT, "a request with this Idempotency-Key is in progress");
                }
                return replay;
            });
        }
    }

    /** The result of a change: the new representation, and the spec to apply (null when nothing to apply). */
    public record Outcome(DeploymentResponse response, DeploymentSpec spec, boolean replayed) {
    }

    private Outcome createInTransaction(Caller caller, DeploymentRequests.Create request, String idempotencyKey,
                                        byte[] requestHash) {
        if (idempotencyKey != null) {
            Created replay = replay(caller, idempotencyKey, requestHash);
            if (replay != null) {
                return new Outcome(replay.deployment(), null, true);
            }
        }
        ModelService.Variant variant = models.resolveVariant(caller.projectId(), request.model(), "model");
        ModelEntity model = variant.model();
        var nodeType = sizing.nodeType(request.nodeType(), "node_type");
        int min = request.minReplicas() == null ? 1 : request.minReplicas();
        int max = request.maxReplicas() == null ? Math.max(min, 1) : request.maxReplicas();
        checkReplicas(min, max);
        int context = request.contextSize() != null ? request.contextSize()
                : model.maxContext == null ? DEFAULT_CONTEXT : Math.min(DEFAULT_CONTEXT, model.maxContext);
        Integer threads = request.engine() == null ? null : request.engine().threads();
        Integer slots = request.engine() == null ? null : request.engine().slots();
        sizing.check(variant, nodeType, context, slots == null ? DEFAULT_SLOTS : slots, "context_size");
        List<AclRules.Normalized> acls = AclRules.normalize(request.acls(), "acls");

        DeploymentEntity d = new DeploymentEntity();
        d.id = UUID.randomUUID();
        d.projectId = caller.projectId();
        d.name = request.name();
        d.modelId = model.id;
        d.quantization = variant.quantization();
        d.nodeType = request.nodeType();
        d.minReplicas = min;
        d.maxReplicas = max;
        d.contextSize = context;
        d.threads = threads;
        d.slots = slots;
        d.tags = request.tags() == null ? new String[0] : request.tags().stream().distinct().toArray(String[]::new);
        applyEndpoints(d, request.endpoints());
        d.status = DeploymentStatus.CREATING;
        d.statusReason = provisioner.name().equals("none") ? dev.ignis.controlplane.provisioner.UnconfiguredProvisioner.REASON
                : "waiting for the " + provisioner.name() + " provisioner";
        d.createdAt = d.updatedAt = Instant.now();
        if (idempotencyKey != null) {
            // First, so that concurrent requests with the same key queue on its primary key and replay.
            IdempotencyKeyEntity key = new IdempotencyKeyEntity();
            key.id = new IdempotencyKeyEntity.Key(caller.projectId(), idempotencyKey);
            key.requestHash = requestHash;
            key.deploymentId = d.id;
            key.createdAt = Instant.now();
            key.persist();
            flush(d.name);
        }
        if (DeploymentEntity.count("projectId = ?1 and name = ?2", d.projectId, d.name) > 0) {
            throw nameTaken(d.name);
        }
        d.persist();
        flush(d.name);
        AclRules.store(d.id, acls);
        DeploymentEventEntity.record(d.id, "created", caller.actor(), "created " + variant.name() + " on "
                + d.nodeType + " with " + min + "-" + max + " replicas, context " + context
                + (acls.isEmpty() ? ", open to every address" : ", allowed IPs " + AclRules.cidrs(acls)));
        return new Outcome(response(d, model), specOf(d, model), false);
    }

    /** The earlier answer to a create with this key, null when the key is new (or expired). */
    private Created replay(Caller caller, String idempotencyKey, byte[] requestHash) {
        IdempotencyKeyEntity existing = IdempotencyKeyEntity.findById(
                new IdempotencyKeyEntity.Key(caller.projectId(), idempotencyKey));
        if (existing == null) {
            return null;
        }
        if (existing.createdAt.isBefore(Instant.now().minus(IDEMPOTENCY_WINDOW))) {
            existing.delete();
            em.flush();
            return null;
        }
        if (!Arrays.equals(existing.requestHash, requestHash)) {
            throw new ProblemException(ProblemType.IDEMPOTENCY_KEY_REUSED,
                    "this Idempotency-Key was used for a different request; use a new key for a new request");
        }
        DeploymentEntity d = DeploymentEntity.findById(existing.deploymentId);
        if (d == null) {
            throw new ProblemException(ProblemType.CONFLICT,
                    "the deployment created with this Idempotency-Key has since been deleted");
        }
        return new Created(response(d, ModelEntity.findById(d.modelId)), true);
    }

    /**
     * The hot read path: one query on a stateless session (no persistence context to build and flush),
     * no transaction (a single statement needs none).
     */
    public DeploymentResponse get(Caller caller, UUID id) {
        List<Object[]> rows = readSession.createSelectionQuery("select d, m from DeploymentEntity d, ModelEntity m"
                        + " where d.id = ?1 and d.projectId = ?2 and m.id = d.modelId", Object[].class)
                .setParameter(1, id).setParameter(2, caller.projectId()).getResultList();
        if (rows.isEmpty()) {
            throw ProblemException.notFound("deployment", id);
        }
        return response((DeploymentEntity) rows.getFirst()[0], (ModelEntity) rows.getFirst()[1]);
    }

    public DeploymentResponse.Page list(Caller caller, String name, String status, String model, String tag,
                                        String orderBy, PageRequest page) {
        StringBuilder where = new StringBuilder("projectId = :project");
        Parameters params = Parameters.with("project", caller.projectId());
        if (name != null && !name.isBlank()) {
            where.append(" and lower(name) like :name");
            params.and("name", "%" + name.toLowerCase(Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%")
                    .replace("_", "\\_") + "%");
        }
        if (status != null) {
            DeploymentStatus parsed = DeploymentStatus.parse(status).orElseThrow(() ->
                    ProblemException.invalid("status", "must be one of " + List.of(DeploymentStatus.values())));
            where.append(" and status = :status");
            params.and("status", parsed);
        }
        if (model != null && !model.isBlank()) {
            int colon = model.lastIndexOf(':');
            String modelName = colon > 0 ? model.substring(0, colon) : model;
            where.append(" and modelId in (select m.id from ModelEntity m where m.name = :modelName)");
            params.and("modelName", modelName);
            if (colon > 0) {
                var quantization = dev.ignis.controlplane.model.Quantization.parse(model.substring(colon + 1))
                        .orElseThrow(() -> ProblemException.invalid("model", "unknown quantization in '" + model + "'"));
                where.append(" and quantization = :quantization");
                params.and("quantization", quantization);
            }
        }
        if (tag != null) {
            where.append(" and array_contains(tags, :tag)");
            params.and("tag", tag);
        }
        Sort sort = switch (orderBy == null ? "created_at_desc" : orderBy) {
            case "created_at_asc" -> Sort.ascending("createdAt").and("id");
            case "created_at_desc" -> Sort.descending("createdAt").and("id", Sort.Direction.Descending);
            case "name_asc" -> Sort.ascending("name");
            case "name_desc" -> Sort.descending("name");
            default -> throw ProblemException.invalid("order_by",
                    "must be one of [created_at_asc, created_at_desc, name_asc, name_desc]");
        };
        return QuarkusTransaction.joiningExisting().call(() -> {
            var query = DeploymentEntity.<DeploymentEntity>find(where.toString(), sort, params);
            List<DeploymentEntity> items = query.page(Page.of(page.index(), page.pageSize())).list();
            Map<UUID, ModelEntity> modelsById = items.isEmpty() ? Map.of()
                    : ModelEntity.<ModelEntity>list("id in ?1", items.stream().map(d -> d.modelId).distinct().toList())
                    .stream().collect(Collectors.toMap(m -> m.id, Function.identity()));
            return new DeploymentResponse.Page(
                    items.stream().map(d -> response(d, modelsById.get(d.modelId))).toList(), query.count());
        });
    }

    public DeploymentResponse update(Caller caller, UUID id, DeploymentRequests.Update request, String ifMatch) {
        Outcome outcome = mutate(caller, id, ifMatch, d -> {
            List<String> changes = new ArrayList<>();
            boolean rollout = false;
            ModelEntity model = ModelEntity.findById(d.modelId);
            ModelService.Variant variant = new ModelService.Variant(model, d.quantization);
            if (request.model() != null && !request.model().equals(model.name + ":" + d.quantization)) {
                variant = models.resolveVariant(d.projectId, request.model(), "model");
                changes.add("model " + model.name + ":" + d.quantization + " -> " + variant.name());
                d.modelId = variant.model().id;
                d.quantization = variant.quantization();
                model = variant.model();
                rollout = true;
            }
            if (request.name() != null && !request.name().equals(d.name)) {
                if (DeploymentEntity.count("projectId = ?1 and name = ?2", d.projectId, request.name()) > 0) {
                    throw nameTaken(request.name());
                }
                changes.add("name " + d.name + " -> " + request.name());
                d.name = request.name();
            }
            int min = request.minReplicas() == null ? d.minReplicas : request.minReplicas();
            int max = request.maxReplicas() == null ? Math.max(d.maxReplicas, min) : request.maxReplicas();
            if (request.maxReplicas() == null && request.minReplicas() != null && min > d.maxReplicas) {
                max = min;
            }
            checkReplicas(min, max);
            if (min != d.minReplicas || max != d.maxReplicas) {
                changes.add("replicas " + d.minReplicas + "-" + d.maxReplicas + " -> " + min + "-" + max);
                d.minReplicas = min;
                d.maxReplicas = max;
                rollout = true;
            }
            if (request.contextSize() != null && request.contextSize() != d.contextSize) {
                changes.add("context " + d.contextSize + " -> " + request.contextSize());
                d.contextSize = request.contextSize();
                rollout = true;
            }
            if (request.engine() != null) {
                Integer threads = request.engine().threads() != null ? request.engine().threads() : d.threads;
                Integer slots = request.engine().slots() != null ? request.engine().slots() : d.slots;
                if (!java.util.Objects.equals(threads, d.threads) || !java.util.Objects.equals(slots, d.slots)) {
                    changes.add("engine threads " + d.threads + " -> " + threads + ", slots " + d.slots + " -> " + slots);
                    d.threads = threads;
                    d.slots = slots;
                    rollout = true;
                }
            }
            if (request.tags() != null) {
                String[] tags = request.tags().stream().distinct().toArray(String[]::new);
                if (!Arrays.equals(tags, d.tags)) {
                    changes.add("tags " + Arrays.toString(d.tags) + " -> " + Arrays.toString(tags));
                    d.tags = tags;
                }
            }
            sizing.check(variant, sizing.nodeType(d.nodeType, "node_type"), d.contextSize,
                    d.slots == null ? DEFAULT_SLOTS : d.slots, request.contextSize() != null ? "context_size" : "model");
            if (changes.isEmpty()) {
                return null;
            }
            if (rollout && d.status != DeploymentStatus.CREATING) {
                statusUpdater.transition(d, DeploymentStatus.DEPLOYING, "rolling out: " + String.join("; ", changes),
                        caller.actor());
            }
            d.updatedAt = Instant.now();
            DeploymentEventEntity.record(d.id, "updated", caller.actor(), String.join("; ", changes));
            return "updated";
        });
        return outcome.response;
    }

    public DeploymentResponse delete(Caller caller, UUID id) {
        DeploymentResponse[] result = new DeploymentResponse[1];
        boolean started = QuarkusTransaction.requiringNew().call(() -> {
            DeploymentEntity d = lockedVisible(caller, id);
            if (d.status == DeploymentStatus.LOCKED) {
                throw locked(d);
            }
            boolean first = d.status != DeploymentStatus.DELETING;
            if (first) {
                statusUpdater.transition(d, DeploymentStatus.DELETING, "deletion requested", caller.actor());
                d.updatedAt = Instant.now();
                em.flush();
            }
            result[0] = response(d, ModelEntity.findById(d.modelId));
            return first;
        });
        if (started) {
            try {
                provisioner.delete(id);
            } catch (RuntimeException e) {
                LOG.errorf(e, "The %s provisioner failed to delete deployment %s", provisioner.name(), id);
                statusUpdater.failed(id, "deletion failed in the provisioner; it is retried on the next delete");
            }
        }
        return result[0];
    }

    /** Lock (admin): the deployment keeps running but cannot be changed or deleted until unlocked. */
    public DeploymentResponse lock(Caller caller, UUID id, boolean lock) {
        if (!caller.admin()) {
            throw new ProblemException(ProblemType.FORBIDDEN, "only an admin API key may lock or unlock a deployment");
        }
        Outcome outcome = QuarkusTransaction.requiringNew().call(() -> {
            // Locking is an operator's action: admins reach deployments of every project for it.
            DeploymentEntity d = DeploymentEntity.findById(id, LockModeType.PESSIMISTIC_WRITE);
            if (d == null) {
                throw ProblemException.notFound("deployment", id);
            }
            if (lock == (d.status == DeploymentStatus.LOCKED)) {
                return new Outcome(response(d, ModelEntity.findById(d.modelId)), null, true);
            }
            if (d.status == DeploymentStatus.DELETING) {
                throw deleting(d);
            }
            if (lock) {
                statusUpdater.transition(d, DeploymentStatus.LOCKED, "locked by an administrator", caller.actor());
            } else {
                statusUpdater.transition(d, DeploymentStatus.DEPLOYING, "unlocked; reconciling", caller.actor());
            }
            d.updatedAt = Instant.now();
            em.flush();
            ModelEntity model = ModelEntity.findById(d.modelId);
            return new Outcome(response(d, model), lock ? null : specOf(d, model), false);
        });
        if (outcome.spec != null) {
            applyAfterCommit(outcome.spec);
        }
        return outcome.response;
    }

    public DeploymentEventResponse.Page events(Caller caller, UUID id, PageRequest page) {
        return QuarkusTransaction.joiningExisting().call(() -> {
            visible(caller, id);
            var query = DeploymentEventEntity.<DeploymentEventEntity>find("deploymentId", Sort.descending("id"), id);
            return new DeploymentEventResponse.Page(query.page(Page.of(page.index(), page.pageSize())).list().stream()
                    .map(DeploymentEventResponse::of).toList(), query.count());
        });
    }

    /**
     * Runs a change on a deployment under a row lock, checks {@code If-Match} and that it may change, then
     * commits and hands the new desired state to the provisioner. The change returns null for "nothing
     * changed", otherwise any non-null value, which is returned.
     */
    public <R> Outcome mutate(Caller caller, UUID id, String ifMatch, Function<DeploymentEntity, R> change) {
        Outcome outcome;
        try {
            outcome = QuarkusTransaction.requiringNew().call(() -> {
                DeploymentEntity d = lockedVisible(caller, id);
                if (ifMatch != null && !ifMatchAllows(ifMatch, d.version)) {
                    throw new ProblemException(ProblemType.PRECONDITION_FAILED, "the deployment is at version "
                            + d.version + ", not " + ifMatch + "; read it again and retry");
                }
                if (d.status == DeploymentStatus.LOCKED) {
                    throw locked(d);
                }
                if (d.status == DeploymentStatus.DELETING) {
                    throw deleting(d);
                }
                R changed = change.apply(d);
                flush(d.name);
                ModelEntity model = ModelEntity.findById(d.modelId);
                return new Outcome(response(d, model), changed == null ? null : specOf(d, model), changed == null);
            });
        } catch (OptimisticLockException e) {
            throw new ProblemException(ProblemType.PRECONDITION_FAILED, "the deployment changed concurrently; read it again and retry");
        }
        if (outcome.spec != null) {
            applyAfterCommit(outcome.spec);
        }
        return outcome;
    }

    /** Mutations of sub-resources (allowed IPs, endpoint keys) that need the deployment locked and unchanged. */
    public <R> R mutateChild(Caller caller, UUID id, Function<DeploymentEntity, R> change) {
        Object[] holder = new Object[1];
        mutate(caller, id, null, d -> {
            holder[0] = change.apply(d);
            return holder[0] == null ? null : Boolean.TRUE;
        });
        @SuppressWarnings("unchecked")
        R result = (R) holder[0];
        return result;
    }

    /** Reads a deployment the caller may see, in the current transaction (for sub-resource reads). */
    public DeploymentEntity visible(Caller caller, UUID id) {
        DeploymentEntity d = DeploymentEntity.findById(id);
        if (d == null || !d.projectId.equals(caller.projectId())) {
            throw ProblemException.notFound("deployment", id);
        }
        return d;
    }

    private DeploymentEntity lockedVisible(Caller caller, UUID id) {
        DeploymentEntity d = DeploymentEntity.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (d == null || !d.projectId.equals(caller.projectId())) {
            throw ProblemException.notFound("deployment", id);
        }
        return d;
    }

    /** The desired state of a deployment, as a provisioner needs it. Runs in a transaction. */
    public DeploymentSpec specOf(DeploymentEntity d, ModelEntity model) {
        var nodeType = sizing.nodeType(d.nodeType, "node_type");
        List<String> cidrs = AclRules.cidrsOf(d.id);
        List<String> keyHashes = dev.ignis.controlplane.endpointkey.EndpointKeyEntity
                .<dev.ignis.controlplane.endpointkey.EndpointKeyEntity>list("deploymentId = ?1 and revokedAt is null",
                        Sort.by("createdAt"), d.id)
                .stream().map(k -> java.util.HexFormat.of().formatHex(k.secretHash)).toList();
        return new DeploymentSpec(d.id, d.projectId, d.name, d.version,
                new DeploymentSpec.Model(model.name, model.task == null ? null : model.task.toString(), model.sourceUri,
                        model.sourceSha256, model.sourceFormat, d.quantization.toString()),
                d.nodeType, nodeType.vcpus(), nodeType.memoryBytes(), d.minReplicas, d.maxReplicas, d.contextSize,
                d.threads == null ? nodeType.vcpus() : d.threads, d.slots == null ? DEFAULT_SLOTS : d.slots,
                d.publicEndpoint, d.privateEndpoint, d.publicEndpointAuth || d.privateEndpointAuth, cidrs, keyHashes);
    }

    private void applyAfterCommit(DeploymentSpec spec) {
        try {
            provisioner.apply(spec);
        } catch (RuntimeException e) {
            LOG.errorf(e, "The %s provisioner failed to apply deployment %s", provisioner.name(), spec.id());
            statusUpdater.failed(spec.id(), "the " + provisioner.name() + " provisioner could not apply the change");
        }
    }

    DeploymentResponse response(DeploymentEntity d, ModelEntity model) {
        return DeploymentResponse.of(d, model.name, sizing.footprint(d, model));
    }

    private static void applyEndpoints(DeploymentEntity d, List<DeploymentRequests.Endpoint> endpoints) {
        if (endpoints == null || endpoints.isEmpty()) {
            d.publicEndpoint = true;
            d.publicEndpointAuth = true;
            return;
        }
        for (int i = 0; i < endpoints.size(); i++) {
            DeploymentRequests.Endpoint e = endpoints.get(i);
            boolean auth = e.disableAuth() == null || !e.disableAuth();
            if (e.type() == EndpointType.PUBLIC) {
                if (d.publicEndpoint) {
                    throw ProblemException.invalid("endpoints[" + i + "].type", "only one public endpoint is allowed");
                }
                d.publicEndpoint = true;
                d.publicEndpointAuth = auth;
            } else {
                if (d.privateEndpoint) {
                    throw ProblemException.invalid("endpoints[" + i + "].type", "only one private endpoint is allowed");
                }
                d.privateEndpoint = true;
                d.privateEndpointAuth = auth;
            }
        }
    }

    private static void checkReplicas(int min, int max) {
        if (min > max) {
            throw new ProblemException(ProblemType.VALIDATION_FAILED, "min_replicas (" + min
                    + ") must not exceed max_replicas (" + max + ")",
                    List.of(new dev.ignis.controlplane.problem.Problem.FieldError("min_replicas",
                            "must not exceed max_replicas")));
        }
    }

    private void flush(String name) {
        try {
            em.flush();
        } catch (PersistenceException e) {
            ConstraintViolationException violation = constraintViolation(e);
            if (violation != null && violation.getConstraintName() != null) {
                String constraint = violation.getConstraintName().toLowerCase(Locale.ROOT);
                if (constraint.contains("deployments_name_unique")) {
                    throw nameTaken(name);
                }
                if (constraint.contains("idempotency_keys")) {
                    throw new IdempotencyRace();
                }
            }
            throw e;
        }
    }

    private static ConstraintViolationException constraintViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolationException cve) {
                return cve;
            }
        }
        return null;
    }

    private byte[] hashOf(DeploymentRequests.Create request) {
        try {
            return Secrets.hash(json.writeValueAsString(request));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed request serialises back", e);
        }
    }

    private static boolean ifMatchAllows(String ifMatch, long version) {
        for (String tag : ifMatch.split(",")) {
            String t = tag.strip();
            if (t.equals("*") || t.equals("\"" + version + "\"")) {
                return true;
            }
        }
        return false;
    }

    private static ProblemException nameTaken(String name) {
        return new ProblemException(ProblemType.NAME_TAKEN, "a deployment named '" + name + "' exists in this project");
    }

    private static ProblemException locked(DeploymentEntity d) {
        return new ProblemException(ProblemType.DEPLOYMENT_LOCKED,
                "deployment '" + d.name + "' is locked by an administrator and cannot be changed");
    }

    private static ProblemException deleting(DeploymentEntity d) {
        return new ProblemException(ProblemType.DEPLOYMENT_DELETING, "deployment '" + d.name + "' is being deleted");
    }

    /** The Idempotency-Key was inserted concurrently by another request. */
    private static final class IdempotencyRace extends RuntimeException {
        IdempotencyRace() {
            super(null, null, false, false);
        }
    }
}
