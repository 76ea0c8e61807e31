package dev.ignis.runtime;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The runtime serving all-MiniLM-L6-v2 (F32, mean pooling) from the shared models instead of stories260K. */
public class EmbeddingModelProfile implements QuarkusTestProfile {

    static final String MODEL = "all-minilm-l6-v2";

    @Override
    public Map<String, String> getConfigOverrides() {
        String dir = System.getProperty("ignis.models.dir", "../../../shared/models");
        return Map.of(
                "ignis.runtime.model", dir + "/embeddings/all-MiniLM-L6-v2/all-MiniLM-L6-v2-f32.gguf",
                "ignis.runtime.model-name", MODEL,
                "ignis.runtime.embedding-workers", "2",
                "ignis.runtime.queue-size", "4");
    }
}
