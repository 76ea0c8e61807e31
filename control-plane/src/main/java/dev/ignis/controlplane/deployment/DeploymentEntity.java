package dev.ignis.controlplane.deployment;

import dev.ignis.controlplane.model.Quantization;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** What a user asked to run, and where it stands. The version is the ETag of the deployment. */
@Entity
@Table(name = "deployments")
public class DeploymentEntity extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "project_id", nullable = false)
    public UUID projectId;

    @Column(nullable = false)
    public String name;

    @Column(name = "model_id", nullable = false)
    public UUID modelId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Quantization quantization;

    @Column(name = "node_type", nullable = false)
    public String nodeType;

    @Column(name = "min_replicas", nullable = false)
    public int minReplicas;

    @Column(name = "max_replicas", nullable = false)
    public int maxReplicas;

    @Column(name = "context_size", nullable = false)
    public int contextSize;

    /** Engine threads per replica; null means one per vCPU of the node type. */
    public Integer threads;

    /** Concurrent sequences per replica (continuous-batching slots). */
    public Integer slots;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(nullable = false, columnDefinition = "text[]")
    public String[] tags = new String[0];

    @Column(name = "public_endpoint", nullable = false)
    public boolean publicEndpoint;

    @Column(name = "public_endpoint_auth", nullable = false)
    public boolean publicEndpointAuth;

    @Column(name = "public_endpoint_url")
    public String publicEndpointUrl;

    @Column(name = "private_endpoint", nullable = false)
    public boolean privateEndpoint;

    @Column(name = "private_endpoint_auth", nullable = false)
    public boolean privateEndpointAuth;

    @Column(name = "private_endpoint_url")
    public String privateEndpointUrl;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public DeploymentStatus status;

    @Column(name = "status_reason")
    public String statusReason;

    @Version
    @Column(nullable = false)
    public long version;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
