package dev.ignis.runtime;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** stories260K served with Mistral-Nemo's real chat template, which refuses conversations that do not alternate. */
public class MistralTemplateProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Path file = Path.of(System.getProperty("ignis.models.dir", "../../../shared/models"),
                "chat-templates", "mistralai-Mistral-Nemo-Instruct-2407.jinja");
        try {
            return Map.of("ignis.runtime.chat-template", Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("missing shared chat template " + file.toAbsolutePath(), e);
        }
    }
}
