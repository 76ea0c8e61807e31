package dev.ignis.controlplane.model;

import dev.ignis.controlplane.auth.Caller;
import dev.ignis.controlplane.paging.PageRequest;
import dev.ignis.controlplane.problem.ProblemException;
import dev.ignis.controlplane.problem.ProblemType;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/** The model catalog: listing, custom imports (inspected in the background), deletion, variant lookup. */
@ApplicationScoped
public class ModelService {

    private static final Logger LOG = Logger.getLogger(ModelService.class);

    private final EntityManager em;
    private final ModelSourceReader reader;
    private final ExecutorService inspector = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "ignis-model-inspector");
        t.setDaemon(true);
        return t;
    });

    ModelService(EntityManager em, ModelSourceReader reader) {
        this.em = em;
        this.reader = reader;
    }

    /** Models left {@code preparing} by a previous run are inspected again. */
    void onStart(@Observes @Priority(20) StartupEvent event) {
        List<UUID> pending = QuarkusTransaction.requiringNew().call(() ->
                ModelEntity.<ModelEntity>list("status = ?1 and origin = ?2", ModelStatus.PREPARING, ModelOrigin.CUSTOM)
                        .stream().map(m -> m.id).toList());
        pending.forEach(this::inspectLater);
    }

    void onStop(@Observes ShutdownEvent event) {
        inspector.shutdownNow();
    }

    @Transactional
    public ModelResponse.Page list(Caller caller, String name, String task, String tag, PageRequest page) {
        StringBuilder where = new StringBuilder("(projectId is null or projectId = :project)");
        Parameters params = Parameters.with("project", caller.projectId());
        if (name != null && !name.isBlank()) {
            where.append(" and lower(name) like :name");
            params.and("name", "%" + escapeLike(name.toLowerCase(Locale.ROOT)) + "%");
        }
        if (task != null) {
            ModelTask parsed = ModelTask.parse(task).orElseThrow(() ->
                    ProblemException.invalid("task", "must be one of " + List.of(ModelTask.values())));
            where.append(" and task = :task");
            params.and("task", parsed);
        }
        if (tag != null) {
            where.append(" and array_contains(tags, :tag)");
            params.and("tag", tag);
        }
        var query = ModelEntity.<ModelEntity>find(where.toString(), Sort.by("name").and("id"), params);
        List<ModelResponse> items = query.page(Page.of(page.index(), page.pageSize())).list().stream()
                .map(ModelResponse::of).toList();
        return new ModelResponse.Page(items, query.count());
    }

    @Transactional
    public ModelResponse get(Caller caller, UUID id) {
        return ModelResponse.of(visible(caller, id));
    }

    public ModelResponse importModel(Caller caller, ModelImportRequest request) {
        String unsupported = ModelSourceReader.unsupportedReason(request.sourceUri());
        if (unsupported != null) {
            throw ProblemException.invalid("source_uri", unsupported);
        }
        ModelEntity model = QuarkusTransaction.requiringNew().call(() -> {
            if (ModelEntity.count("name = ?1 and (projectId is null or projectId = ?2)", request.name(),
                    caller.projectId()) > 0) {
                throw new ProblemException(ProblemType.NAME_TAKEN,
                        "a model named '" + request.name() + "' is already visible to this project");
            }
            ModelEntity m = new ModelEntity();
            m.id = UUID.randomUUID();
            m.projectId = caller.projectId();
            m.name = request.name();
            m.origin = ModelOrigin.CUSTOM;
            m.task = request.task(); // null until the header tells
            m.licence = request.licence();
            m.description = request.description();
            m.sourceUri = request.sourceUri();
            m.sourceSha256 = request.sha256() == null ? null : request.sha256().toLowerCase(Locale.ROOT);
            m.sourceFormat = "gguf";
            m.status = ModelStatus.PREPARING;
            m.statusMessage = "reading the source";
            m.tags = request.tags() == null ? new String[0] : request.tags().toArray(String[]::new);
            m.createdAt = m.updatedAt = Instant.now();
            m.persist();
            return m;
        });
        inspectLater(model.id);
        return ModelResponse.of(model);
    }

    @Transactional
    public void delete(Caller caller, UUID id) {
        ModelEntity model = ModelEntity.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (model == null || model.projectId != null && !model.projectId.equals(caller.projectId())) {
            throw ProblemException.notFound("model", id);
        }
        if (model.projectId == null && !caller.admin()) {
            throw new ProblemException(ProblemType.FORBIDDEN, "only an admin API key may delete a public model");
        }
        List<String> users = em.createQuery(
                        "select d.name from DeploymentEntity d where d.modelId = ?1 order by d.name", String.class)
                .setParameter(1, id).setMaxResults(10).getResultList();
        if (!users.isEmpty()) {
            throw new ProblemException(ProblemType.MODEL_IN_USE,
                    "model '" + model.name + "' is used by deployment(s) " + users + "; delete them first");
        }
        model.delete();
    }

    /**
     * Resolves a deployable variant {@code name:quantization} for a project and share-locks the model row so
     * that it cannot be deleted before the deployment that uses it commits. Must run in a transaction.
     */
    public Variant resolveVariant(UUID projectId, String variant, String field) {
        int colon = variant.lastIndexOf(':');
        if (colon <= 0 || colon == variant.length() - 1) {
            throw ProblemException.invalid(field, "must be '<model>:<quantization>', e.g. 'llama-3.2-1b-instruct:int8'");
        }
        String name = variant.substring(0, colon);
        String quantName = variant.substring(colon + 1);
        Quantization quantization = Quantization.parse(quantName).orElseThrow(() ->
                ProblemException.invalid(field, "unknown quantization '" + quantName + "'; one of "
                        + Quantization.names()));
        List<ModelEntity> candidates = ModelEntity.<ModelEntity>find(
                        "name = ?1 and (projectId is null or projectId = ?2)", Sort.by("projectId"), name, projectId)
                .withLock(LockModeType.PESSIMISTIC_READ).list();
        if (candidates.isEmpty()) {
            throw ProblemException.invalid(field, "no model named '" + name + "'");
        }
        ModelEntity model = candidates.getFirst();
        if (model.status != ModelStatus.READY) {
            throw new ProblemException(ProblemType.MODEL_NOT_READY, "model '" + name + "' is " + model.status
                    + (model.statusMessage == null ? "" : ": " + model.statusMessage));
        }
        List<Quantization> servable = model.storedPrecision == null ? List.of()
                : StoredPrecision.servable(model.storedPrecision);
        if (!servable.contains(quantization)) {
            throw new ProblemException(ProblemType.QUANTIZATION_UNAVAILABLE,
                    "model '" + name + "' is stored as " + model.storedPrecision + " and can be served at "
                            + servable + ", not " + quantization + " (serving never adds precision)",
                    List.of(new dev.ignis.controlplane.problem.Problem.FieldError(field,
                            "quantization not available")));
        }
        return new Variant(model, quantization);
    }

    /** A model at a chosen quantization. */
    public record Variant(ModelEntity model, Quantization quantization) {
        public String name() {
            return model.name + ":" + quantization;
        }
    }

    /** Registers or refreshes a public model (catalog or local folder) by name. Must run in a transaction. */
    public ModelEntity upsertPublic(ModelEntity incoming) {
        ModelEntity existing = ModelEntity.find("name = ?1 and projectId is null", incoming.name).firstResult();
        if (existing == null) {
            incoming.id = UUID.randomUUID();
            incoming.createdAt = incoming.updatedAt = Instant.now();
            incoming.persist();
            return incoming;
        }
        existing.origin = incoming.origin;
        existing.task = incoming.task;
        existing.architecture = incoming.architecture;
        existing.parameterCount = incoming.parameterCount;
        existing.maxContext = incoming.maxContext;
        existing.layerCount = incoming.layerCount;
        existing.kvWidth = incoming.kvWidth;
        existing.licence = incoming.licence;
        existing.description = incoming.description;
        existing.sourceUri = incoming.sourceUri;
        existing.sourceSha256 = incoming.sourceSha256;
        existing.sourceFormat = incoming.sourceFormat;
        existing.storedPrecision = incoming.storedPrecision;
        existing.sizeBytes = incoming.sizeBytes;
        existing.status = incoming.status;
        existing.statusMessage = incoming.statusMessage;
        existing.tags = incoming.tags;
        existing.catalogVersion = incoming.catalogVersion;
        existing.updatedAt = Instant.now();
        return existing;
    }

    private void inspectLater(UUID id) {
        inspector.submit(() -> inspect(id));
    }

    private void inspect(UUID id) {
        ModelEntity snapshot = QuarkusTransaction.requiringNew().call(() -> ModelEntity.findById(id));
        if (snapshot == null) {
            return;
        }
        ModelStatus status;
        String message;
        ModelSourceReader.SourceFacts facts = null;
        try {
            facts = reader.read(snapshot.sourceUri, snapshot.sourceSha256);
            List<String> problems = new ArrayList<>();
            if (facts.gguf().tensorCount() == 0) {
                problems.add("the file has no tensors (a vocabulary-only GGUF?)");
            }
            if (facts.gguf().storedPrecision() != null
                    && StoredPrecision.servable(facts.gguf().storedPrecision()).isEmpty()) {
                problems.add("weights stored as " + facts.gguf().storedPrecision()
                        + " are below every served quantization " + Quantization.names());
            }
            status = problems.isEmpty() ? ModelStatus.READY : ModelStatus.ERROR;
            message = problems.isEmpty() ? null : String.join("; ", problems);
        } catch (ModelSourceReader.SourceException e) {
            status = ModelStatus.ERROR;
            message = e.getMessage();
        } catch (RuntimeException e) {
            LOG.errorf(e, "Inspecting model %s failed", id);
            status = ModelStatus.ERROR;
            message = "the source could not be inspected";
        }
        ModelSourceReader.SourceFacts found = facts;
        ModelStatus finalStatus = status;
        String finalMessage = message;
        QuarkusTransaction.requiringNew().run(() -> {
            ModelEntity model = ModelEntity.findById(id, LockModeType.PESSIMISTIC_WRITE);
            if (model == null) {
                return;
            }
            if (found != null) {
                applyFacts(model, found);
            }
            model.status = finalStatus;
            model.statusMessage = finalMessage;
            model.updatedAt = Instant.now();
        });
        LOG.infof("Model %s (%s) is %s%s", snapshot.name, id, finalStatus,
                finalMessage == null ? "" : ": " + finalMessage);
    }

    static void applyFacts(ModelEntity model, ModelSourceReader.SourceFacts facts) {
        GgufFacts gguf = facts.gguf();
        model.architecture = gguf.architecture();
        model.parameterCount = gguf.parameterCount();
        model.maxContext = gguf.maxContext();
        model.layerCount = gguf.layerCount();
        model.kvWidth = gguf.kvWidth();
        model.storedPrecision = gguf.storedPrecision();
        model.sizeBytes = facts.sizeBytes();
        if (facts.sha256() != null) {
            model.sourceSha256 = facts.sha256();
        }
        if (model.licence == null) {
            model.licence = gguf.licence().orElse(null);
        }
        if (gguf.encoder()) {
            model.task = ModelTask.EMBEDDING;
        } else if (model.task == null) {
            model.task = gguf.inferredTask();
        }
    }

    private static ModelEntity visible(Caller caller, UUID id) {
        ModelEntity model = ModelEntity.findById(id);
        if (model == null || model.projectId != null && !model.projectId.equals(caller.projectId())) {
            throw ProblemException.notFound("model", id);
        }
        return model;
    }

    private static String escapeLike(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
