package dev.ignis.controlplane.docs;

import static dev.ignis.controlplane.docs.Walks.get;
import static dev.ignis.controlplane.docs.Walks.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@link ContainerImagesDocsE2E} checks of an image: in a Jib tarball (an OCI archive, read with {@code
 * tar}) against the page's table, and in a registry (manifest and blobs over the registry API).
 */
final class ImageChecks {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ImageChecks() {
    }

    /**
     * The table's sizes (within 10 %), and what it says of the entrypoints and ports, against the tarballs;
     * every image runs as the user 10001.
     */
    static void checkTheTable(String page, Path tree, Map<String, String> modules) throws IOException {
        Matcher row = Pattern.compile("\\| `ghcr\\.io/ignis-dev/([a-z-]+):<version>` \\| (\\d+) MB").matcher(page);
        Set<String> seen = new TreeSet<>();
        while (row.find()) {
            String module = modules.get(row.group(1));
            assertThat(module).as("an image of the table: %s", row.group()).isNotNull();
            Path tarball = tree.resolve(module).resolve("target/jib-image.tar");
            double megabytes = Files.size(tarball) / 1e6;
            assertThat(megabytes).as("%s is %.0f MB, the table says %s MB", row.group(1), megabytes, row.group(2))
                    .isBetween(0.9 * Integer.parseInt(row.group(2)), 1.1 * Integer.parseInt(row.group(2)));
            seen.add(row.group(1));
        }
        assertThat(seen).isEqualTo(new TreeSet<>(modules.keySet()));
        Map<String, JsonNode> configs = new HashMap<>();
        for (Map.Entry<String, String> image : modules.entrySet()) {
            Path tarball = tree.resolve(image.getValue()).resolve("target/jib-image.tar");
            JsonNode manifest = JSON.readTree(tarEntry(tarball, blob(tarballManifestDigest(tarball))));
            JsonNode config = JSON.readTree(tarEntry(tarball, blob(manifest.at("/config/digest").asText()))).path("config");
            assertThat(config.path("User").asText()).as(image.getKey()).isEqualTo("10001:10001");
            configs.put(image.getKey(), config);
        }
        assertThat(entrypoint(configs.get("ignis-operator")))
                .isEqualTo("java -cp @/app/jib-classpath-file dev.ignis.operator.IgnisOperator");
        for (String quarkus : List.of("ignis-runtime", "ignis-control-plane")) {
            assertThat(entrypoint(configs.get(quarkus))).as(quarkus)
                    .startsWith("/opt/java/bin/java --add-modules=jdk.incubator.vector ")
                    .endsWith(" -jar /opt/ignis/app/quarkus-run.jar");
        }
        assertThat(configs.get("ignis-runtime").path("ExposedPorts").has("8000/tcp")).isTrue();
        assertThat(configs.get("ignis-control-plane").path("ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(page).contains("`java -cp @/app/jib-classpath-file dev.ignis.operator.IgnisOperator`")
                .contains("`/opt/java/bin/java --add-modules=jdk.incubator.vector … -jar /opt/ignis/app/quarkus-run.jar` (port 8000)")
                .contains("the same for the control plane (port 8080)");
    }

    private static String entrypoint(JsonNode config) {
        List<String> words = new ArrayList<>();
        config.path("Entrypoint").forEach(w -> words.add(w.asText()));
        return String.join(" ", words);
    }

    /** The manifest's digest that index.json of a Jib tarball (an OCI archive) names. */
    static String tarballManifestDigest(Path tarball) throws IOException {
        JsonNode index = JSON.readTree(tarEntry(tarball, "index.json"));
        assertThat(index.at("/manifests/0/mediaType").asText()).as("%s is an OCI archive", tarball)
                .isEqualTo("application/vnd.oci.image.manifest.v1+json");
        return index.at("/manifests/0/digest").asText();
    }

    private static String blob(String digest) {
        return "blobs/" + digest.replace(':', '/');
    }

    private static String tarEntry(Path tarball, String entry) throws IOException {
        Process tar = new ProcessBuilder("tar", "-xOf", tarball.toString(), entry).redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String content = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            assertThat(tar.waitFor()).as("tar -xOf %s %s", tarball, entry).isZero();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return content;
    }

    /** The registry serves the tag's manifest (OCI), and every blob it names; returns its digest. */
    static String checkManifest(String registryUrl, String repository, String tag) {
        HttpResponse<String> response = get(registryUrl + "/v2/" + repository + "/manifests/" + tag,
                "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertThat(response.headers().firstValue("Content-Type")).as("%s:%s", repository, tag)
                .hasValue("application/vnd.oci.image.manifest.v1+json");
        JsonNode manifest = json(response.body());
        List<String> blobs = new ArrayList<>(List.of(manifest.at("/config/digest").asText()));
        manifest.path("layers").forEach(l -> blobs.add(l.path("digest").asText()));
        assertThat(blobs).as("%s:%s's layers", repository, tag).hasSizeGreaterThan(2);
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (String digest : blobs) {
                HttpRequest head = HttpRequest.newBuilder(URI.create(registryUrl + "/v2/" + repository + "/blobs/" + digest))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build();
                assertThat(http.send(head, HttpResponse.BodyHandlers.discarding()).statusCode())
                        .as("%s blob %s", repository, digest).isEqualTo(200);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return response.headers().firstValue("Docker-Content-Digest").orElseThrow();
    }

}
