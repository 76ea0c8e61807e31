package dev.ignis.controlplane.model;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Registers the GGUF files found under {@code ignis.models.local-dir} as public models, so that a machine
 * with a folder of models (the demo points it at {@code ../shared/models}) can deploy them offline.
 * Files without tensors (vocabulary-only GGUFs) are skipped.
 */
@ApplicationScoped
public class LocalModelScanner {

    private static final Logger LOG = Logger.getLogger(LocalModelScanner.class);

    private final ModelService models;
    private final ModelSourceReader reader;
    private final Optional<Path> folder;

    LocalModelScanner(ModelService models, ModelSourceReader reader,
                      @ConfigProperty(name = "ignis.models.local-dir") Optional<Path> folder) {
        this.models = models;
        this.reader = reader;
        this.folder = folder;
    }

    void onStart(@Observes @Priority(30) StartupEvent event) {
        folder.ifPresent(this::scan);
    }

    /** Scans the folder; returns the number of models registered or refreshed. */
    public int scan(Path dir) {
        if (!Files.isDirectory(dir)) {
            LOG.warnf("ignis.models.local-dir %s is not a directory; no local models registered", dir);
            return 0;
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir, 4)) {
            files = walk.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf"))
                    .filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            LOG.warnf("Cannot list ignis.models.local-dir %s: %s", dir, e.getMessage());
            return 0;
        }
        int registered = 0;
        for (Path file : files) {
            ModelSourceReader.SourceFacts facts;
            try {
                facts = reader.read(file.toUri().toString(), null);
            } catch (ModelSourceReader.SourceException e) {
                LOG.infof("Skipping %s: %s", file, e.getMessage());
                continue;
            }
            if (facts.gguf().tensorCount() == 0) {
                LOG.debugf("Skipping %s: no tensors (vocabulary-only GGUF)", file);
                continue;
            }
            ModelEntity model = new ModelEntity();
            model.name = nameOf(file);
            model.origin = ModelOrigin.LOCAL;
            model.sourceUri = file.toUri().toString();
            model.sourceFormat = "gguf";
            model.description = "GGUF file found in the local model folder";
            model.tags = new String[] {"local"};
            ModelService.applyFacts(model, facts);
            boolean servable = model.storedPrecision != null
                    && !StoredPrecision.servable(model.storedPrecision).isEmpty();
            model.status = servable ? ModelStatus.READY : ModelStatus.ERROR;
            model.statusMessage = servable ? null : "weights stored as " + model.storedPrecision
                    + " are below every served quantization";
            QuarkusTransaction.requiringNew().run(() -> models.upsertPublic(model));
            registered++;
        }
        LOG.infof("Local model folder %s: %d models", dir, registered);
        return registered;
    }

    /** {@code stories260K.gguf} becomes {@code stories260k}: model names are lower-case, without ':'. */
    static String nameOf(Path file) {
        String base = file.getFileName().toString();
        base = base.substring(0, base.length() - ".gguf".length()).toLowerCase(Locale.ROOT);
        String name = base.replaceAll("[^a-z0-9._-]", "-").replaceAll("^[^a-z0-9]+", "");
        return name.isEmpty() ? "model" : name.substring(0, Math.min(100, name.length()));
    }
}
