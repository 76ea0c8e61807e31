package dev.ignis.operator.inferencedeployment;

import dev.ignis.crd.v1alpha1.InferenceDeployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The YAML under operator/examples (what users apply) and the test fixtures. */
final class Fixtures {

    static final Path EXAMPLES = Path.of(System.getProperty("ignis.operator.examples", "../examples"));

    private Fixtures() {
    }

    static List<Path> examples() {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static InferenceDeployment example(String file) {
        try {
            return Serialization.unmarshal(Files.readString(EXAMPLES.resolve(file)), InferenceDeployment.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A resource as the API server hands it over: namespace, uid and generation set. */
    static InferenceDeployment stored(String file) {
        InferenceDeployment r = example(file);
        r.getMetadata().setNamespace("team-a");
        r.getMetadata().setUid("0d5c7a1e-0000-4000-8000-000000000001");
        r.getMetadata().setGeneration(3L);
        return r;
    }
}
