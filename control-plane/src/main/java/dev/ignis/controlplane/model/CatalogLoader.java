package dev.ignis.controlplane.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Loads the built-in catalog ({@code catalog/models.json}, versioned) at start. Idempotent: entries are
 * upserted by name, so restarting or running several replicas never duplicates a model.
 */
@ApplicationScoped
public class CatalogLoader {

    private static final Logger LOG = Logger.getLogger(CatalogLoader.class);
    static final String RESOURCE = "catalog/models.json";

    private final ModelService models;
    private final ObjectMapper json;

    CatalogLoader(ModelService models, ObjectMapper json) {
        this.models = models;
        this.json = json;
    }

    record CatalogFile(int version, List<Entry> models) {
    }

    record Entry(String name, ModelTask task, String architecture, long parameterCount, int maxContext,
                 int layerCount, int kvWidth, String licence, String description, String sourceUri,
                 String sourceSha256, String storedPrecision, Long sizeBytes, List<String> tags) {
    }

    void onStart(@Observes @Priority(10) StartupEvent event) {
        CatalogFile catalog = read();
        QuarkusTransaction.requiringNew().run(() -> {
            for (Entry entry : catalog.models()) {
                models.upsertPublic(toEntity(entry, catalog.version()));
            }
        });
        LOG.infof("Catalog version %d: %d models", catalog.version(), catalog.models().size());
    }

    CatalogFile read() {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the built-in catalog " + RESOURCE + " is missing from the build");
            }
            return json.readValue(in, CatalogFile.class);
        } catch (IOException e) {
            throw new UncheckedIOException("the built-in catalog " + RESOURCE + " is unreadable", e);
        }
    }

    private static ModelEntity toEntity(Entry e, int version) {
        ModelEntity m = new ModelEntity();
        m.name = e.name();
        m.origin = ModelOrigin.CATALOG;
        m.task = e.task();
        m.architecture = e.architecture();
        m.parameterCount = e.parameterCount();
        m.maxContext = e.maxContext();
        m.layerCount = e.layerCount();
        m.kvWidth = e.kvWidth();
        m.licence = e.licence();
        m.description = e.description();
        m.sourceUri = e.sourceUri();
        m.sourceSha256 = e.sourceSha256();
        m.sourceFormat = "gguf";
        m.storedPrecision = e.storedPrecision();
        m.sizeBytes = e.sizeBytes();
        m.status = ModelStatus.READY;
        m.tags = e.tags() == null ? new String[0] : e.tags().toArray(String[]::new);
        m.catalogVersion = version;
        return m;
    }
}
