package dev.ignis.controlplane.auth;

import dev.ignis.controlplane.paging.PageRequest;
import dev.ignis.controlplane.problem.ProblemException;
import dev.ignis.controlplane.problem.ProblemType;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Projects and their management keys. Only admins create projects and keys. */
@ApplicationScoped
public class ProjectService {

    private final EntityManager em;
    private final AuthService auth;

    ProjectService(EntityManager em, AuthService auth) {
        this.em = em;
        this.auth = auth;
    }

    @Transactional
    public ProjectResponse.Page list(Caller caller, PageRequest page) {
        if (!caller.admin()) {
            ProjectEntity own = ProjectEntity.findById(caller.projectId());
            return new ProjectResponse.Page(own == null ? List.of() : List.of(ProjectResponse.of(own)),
                    own == null ? 0 : 1);
        }
        var query = ProjectEntity.<ProjectEntity>findAll(Sort.by("createdAt").and("id"));
        List<ProjectResponse> items = query.page(Page.of(page.index(), page.pageSize())).list().stream()
                .map(ProjectResponse::of).toList();
        return new ProjectResponse.Page(items, query.count());
    }

    @Transactional
    public ProjectResponse get(Caller caller, UUID id) {
        return ProjectResponse.of(visibleProject(caller, id));
    }

    @Transactional
    public ProjectResponse create(Caller caller, ProjectRequest request) {
        requireAdmin(caller);
        if (ProjectEntity.findByName(request.name()) != null) {
            throw new ProblemException(ProblemType.NAME_TAKEN, "a project named '" + request.name() + "' exists");
        }
        ProjectEntity project = new ProjectEntity();
        project.id = UUID.randomUUID();
        project.name = request.name();
        project.createdAt = Instant.now();
        project.persist();
        return ProjectResponse.of(project);
    }

    @Transactional
    public void delete(Caller caller, UUID id) {
        requireAdmin(caller);
        ProjectEntity project = ProjectEntity.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (project == null) {
            throw ProblemException.notFound("project", id);
        }
        if (project.id.equals(caller.projectId())) {
            throw new ProblemException(ProblemType.CONFLICT, "an admin key cannot delete its own project");
        }
        long deployments = em.createQuery("select count(d) from DeploymentEntity d where d.projectId = ?1", Long.class)
                .setParameter(1, id).getSingleResult();
        if (deployments > 0) {
            throw new ProblemException(ProblemType.PROJECT_NOT_EMPTY,
                    "project '" + project.name + "' still has " + deployments + " deployment(s); delete them first");
        }
        List<ApiKeyEntity> keys = ApiKeyEntity.list("projectId", id);
        project.delete();
        keys.forEach(k -> auth.evict(k.id));
    }

    @Transactional
    public ApiKeyResponse.Page listKeys(Caller caller, UUID projectId, PageRequest page) {
        UUID scope = projectId;
        if (!caller.admin()) {
            if (projectId != null && !projectId.equals(caller.projectId())) {
                throw ProblemException.notFound("project", projectId);
            }
            scope = caller.projectId();
        }
        var query = scope == null
                ? ApiKeyEntity.<ApiKeyEntity>findAll(Sort.by("createdAt").and("id"))
                : ApiKeyEntity.<ApiKeyEntity>find("projectId", Sort.by("createdAt").and("id"), scope);
        List<ApiKeyResponse> items = query.page(Page.of(page.index(), page.pageSize())).list().stream()
                .map(k -> ApiKeyResponse.of(k, null)).toList();
        return new ApiKeyResponse.Page(items, query.count());
    }

    @Transactional
    public ApiKeyResponse createKey(Caller caller, ApiKeyRequest request) {
        requireAdmin(caller);
        UUID projectId = request.projectId() == null ? caller.projectId() : request.projectId();
        if (ProjectEntity.findById(projectId) == null) {
            throw ProblemException.invalid("project_id", "project " + projectId + " does not exist");
        }
        ApiKeyRole role = request.role() == null ? ApiKeyRole.MEMBER : request.role();
        String secret = Secrets.generate("mk");
        ApiKeyEntity key = newKey(projectId, request.name(), role.toEntity(), secret);
        return ApiKeyResponse.of(key, secret);
    }

    @Transactional
    public void revokeKey(Caller caller, UUID id) {
        requireAdmin(caller);
        ApiKeyEntity key = ApiKeyEntity.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (key == null || key.revokedAt != null) {
            throw ProblemException.notFound("API key", id);
        }
        if (key.role == ApiKeyEntity.Role.ADMIN) {
            // Serialise admin revocations so that two concurrent ones cannot remove the last admin key.
            em.createNativeQuery("select pg_advisory_xact_lock(4242)").getSingleResult();
            long admins = ApiKeyEntity.count("role = ?1 and revokedAt is null", ApiKeyEntity.Role.ADMIN);
            if (admins <= 1) {
                throw new ProblemException(ProblemType.CONFLICT, "this is the last admin key; create another first");
            }
        }
        key.revokedAt = Instant.now();
        auth.evict(key.id);
    }

    static ApiKeyEntity newKey(UUID projectId, String name, ApiKeyEntity.Role role, String secret) {
        ApiKeyEntity key = new ApiKeyEntity();
        key.id = UUID.randomUUID();
        key.projectId = projectId;
        key.name = name;
        key.role = role;
        key.prefix = Secrets.prefix(secret);
        key.secretHash = Secrets.hash(secret);
        key.createdAt = Instant.now();
        key.persist();
        return key;
    }

    private static ProjectEntity visibleProject(Caller caller, UUID id) {
        ProjectEntity project = ProjectEntity.findById(id);
        if (project == null || !caller.admin() && !project.id.equals(caller.projectId())) {
            throw ProblemException.notFound("project", id);
        }
        return project;
    }

    private static void requireAdmin(Caller caller) {
        if (!caller.admin()) {
            throw new ProblemException(ProblemType.FORBIDDEN, "only an admin API key may do this");
        }
    }
}
