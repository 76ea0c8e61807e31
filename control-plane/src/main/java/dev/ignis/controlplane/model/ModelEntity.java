package dev.ignis.controlplane.model;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A model of the catalog. Public when {@code projectId} is null (catalog and local folder). */
@Entity
@Table(name = "models")
public class ModelEntity extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "project_id")
    public UUID projectId;

    @Column(nullable = false)
    public String name;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public ModelOrigin origin;

    /** Null only while a custom model is {@code preparing} and its task was not given. */
    @Enumerated(EnumType.STRING)
    public ModelTask task;

    public String architecture;

    @Column(name = "parameter_count")
    public Long parameterCount;

    @Column(name = "max_context")
    public Integer maxContext;

    /** Decoder layers: with {@link #kvWidth} sizes the KV cache. */
    @Column(name = "layer_count")
    public Integer layerCount;

    /** Key (and value) values per token per layer: KV heads times head dimension; 0 for encoders. */
    @Column(name = "kv_width")
    public Integer kvWidth;

    public String licence;

    public String description;

    @Column(name = "source_uri", nullable = false)
    public String sourceUri;

    @Column(name = "source_sha256")
    public String sourceSha256;

    @Column(name = "source_format", nullable = false)
    public String sourceFormat;

    @Column(name = "stored_precision")
    public String storedPrecision;

    @Column(name = "size_bytes")
    public Long sizeBytes;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public ModelStatus status;

    @Column(name = "status_message")
    public String statusMessage;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(nullable = false, columnDefinition = "text[]")
    public String[] tags = new String[0];

    @Column(name = "catalog_version")
    public Integer catalogVersion;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
