package dev.ignis.controlplane.docs;

import static dev.ignis.controlplane.docs.Walks.get;
import static dev.ignis.controlplane.docs.Walks.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ignis.testing.docs.DocScript;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/how-to/container-images.md, every command as written, in order, with bash (the whole page is one
 * section, "# Container images without Docker"): the {@code -Pimages} build writes the three Jib tarballs;
 * "## Checking an image here" runs them with {@code images/run-image.sh} (the runtime on stories260K and two
 * curls, the operator refusing a bad port, the control plane on a PostgreSQL database with its health and
 * node types); "## Pushing them" pushes them with {@code jib:build} and skopeo to a real registry, Debian's
 * {@code docker-registry} started by this test, and reads them back from it.
 *
 * <p>The page's first command is a Maven build of this repository, and this test runs inside one ({@code
 * ./mvnw -B verify}, in control-plane's integration tests): run in place, it would recompile and repackage
 * the modules whose classes and jars this test JVM and the outer build are using. So the commands run on a
 * copy of the working tree (sources as they are, uncommitted changes included; no {@code target/}, no
 * {@code .git}) in a temporary directory, with {@code ../shared/models} beside it linked to the models;
 * the nested build compiles it from scratch (about 1.5 minutes here, the whole test about 4).
 *
 * <p>The changes a reader makes on another machine, and only those:
 * <ul>
 *   <li>the runtime and the control plane listen on free ports instead of 18555 and 18556;</li>
 *   <li>the database gets a name of its own for this run instead of {@code ignis_images}, dropped at the end;
 *       the PostgreSQL is the one on 127.0.0.1:5432 when it answers, otherwise an embedded one started for
 *       the test, its port written into the {@code psql} command and {@code IGNIS_DB_URL};</li>
 *   <li>{@code registry.example.com} is this test's registry on a free loopback port, served over plain HTTP,
 *       so the two options the page gives for such a registry are added: {@code
 *       -Djib.allowInsecureRegistries=true} and {@code --dest-tls-verify=false};</li>
 *   <li>{@code JAVA_HOME} is the JDK 25 this test runs on, also first on the path.</li>
 * </ul>
 * Needs root (run-image.sh uses chroot and mount namespaces), {@code docker-registry}, {@code skopeo} and
 * {@code psql}: .ci/run installs the first two. A missing one fails the test, it is never skipped.
 */
class ContainerImagesDocsE2E {

    private static final Path ROOT = Path.of(System.getProperty("ignis.repo.dir", "..")).toAbsolutePath().normalize();
    private static final Path DOC = Path.of("docs/how-to/container-images.md");
    private static final Path MODELS = Path.of(System.getProperty("ignis.models.dir", System.getenv()
            .getOrDefault("IGNIS_MODELS_DIR", ROOT.resolveSibling("shared").resolve("models").toString())))
            .toAbsolutePath().normalize();
    private static final String REGISTRY = "/usr/bin/docker-registry";
    private static final String ADMIN_KEY = "images_admin_key_0123456789abcdefghijklmnop";
    private static final String OPERATOR_ERROR = "ignis-operator: IGNIS_OPERATOR_HEALTH_PORT must be a port number";
    private static final String VERSION = "0.1.0-SNAPSHOT";
    /** The images by name, with the module that builds each. */
    private static final Map<String, String> MODULES = new LinkedHashMap<>(Map.of(
            "ignis-operator", "operator/controller", "ignis-runtime", "runtime/server",
            "ignis-control-plane", "control-plane"));

    @TempDir
    Path temp;

    private final List<Process> servers = new ArrayList<>();
    private Process registry;
    private PagePostgres postgres;

    @AfterEach
    void cleanUp() throws Exception {
        try {
            for (Process server : servers) {
                DocScript.stop(server);
            }
            if (registry != null) {
                DocScript.stop(registry);
            }
        } finally {
            try {
                if (postgres != null) {
                    postgres.close();
                }
            } finally {
                // Only the link: the models stay where they are.
                Files.deleteIfExists(temp.resolve("shared/models"));
            }
        }
    }

    @Test
    void imagesAreBuiltRunAndPushedAsDocumented() throws Exception {
        requireTools();
        long started = System.nanoTime();
        Path tree = copyOfTheRepository();
        int registryPort = startRegistry();
        int runtimePort = DocScript.freePort();
        int controlPlanePort = DocScript.freePort();
        String name = "ignis_images_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

        String page = Files.readString(ROOT.resolve(DOC));
        assertThat(page).as("the page gives the options this test adds for a plain-HTTP registry")
                .contains("add `-Djib.allowInsecureRegistries=true` to the Maven command")
                .contains("`--dest-tls-verify=false` to skopeo");
        DocScript doc = new DocScript(tree, DOC, "# Container images without Docker", environment(tree))
                .rewrite("18555", Integer.toString(runtimePort))
                .rewrite("18556", Integer.toString(controlPlanePort))
                .rewrite("ignis_images", name)
                .rewrite("registry.example.com", "127.0.0.1:" + registryPort)
                .rewrite("-Djib.to.tags=0.1.0", "-Djib.to.tags=0.1.0 -Djib.allowInsecureRegistries=true")
                .rewrite("skopeo copy ", "skopeo copy --dest-tls-verify=false ");
        postgres = PagePostgres.forPage("ContainerImagesDocsE2E", doc);

        // The build.
        doc.run("./mvnw -B -Pimages -pl operator/controller,runtime/server,control-plane -am package -DskipTests");
        String listed = doc.run("ls operator/controller/target/jib-image.tar");
        for (String module : MODULES.values()) {
            assertThat(listed).contains(module + "/target/jib-image.tar");
        }
        ImageChecks.checkTheTable(page, tree, MODULES);
        System.out.printf("ContainerImagesDocsE2E: built the images in %d s%n", seconds(started));

        // "## Checking an image here": the runtime.
        Path runtimeLog = temp.resolve("runtime.log");
        Process runtime = server(doc.startServer("images/run-image.sh runtime/server/target/jib-image.tar", runtimeLog));
        DocScript.awaitReady(runtime, URI.create("http://127.0.0.1:" + runtimePort + "/health/ready"), runtimeLog,
                Duration.ofMinutes(3));
        assertThat(Files.readString(runtimeLog)).contains("run-image: runtime/server/target/jib-image.tar as 10001:10001");
        JsonNode ready = json(doc.run("/health/ready"));
        assertThat(ready.path("status").asText()).isEqualTo("UP");
        assertThat(ready.path("state").asText()).isEqualTo("ready");
        assertThat(ready.path("model").asText()).isEqualTo("stories260k");
        JsonNode completion = json(doc.run("/v1/completions"));
        assertThat(completion.at("/choices/0/text").asText()).isNotBlank();
        assertThat(completion.at("/usage/completion_tokens").asInt()).isPositive();
        stop(runtime, "the runtime");

        // The operator, refusing a bad setting: it exits non-zero with the message the page shows.
        doc.next("images/run-image.sh operator/controller/target/jib-image.tar IGNIS_OPERATOR_HEALTH_PORT=x", step -> {
            DocScript.Result result = doc.execute(step.command(), Duration.ofMinutes(2));
            assertThat(result.exitCode()).as("%s: %s %s", step, result.out(), result.err()).isNotZero();
            assertThat(result.out() + result.err()).as("%s", step).contains(OPERATOR_ERROR);
        });
        assertThat(page).contains("# " + OPERATOR_ERROR);

        // The control plane on its own database.
        postgres.dropsOnClose(name);
        assertThat(doc.run("psql -h 127.0.0.1 -U postgres -c 'create database ignis_images'").strip())
                .isEqualTo("CREATE DATABASE");
        doc.export("export IGNIS_ADMIN_KEY=", Map.of("<a key of your choice, 32 to 200 characters>", ADMIN_KEY), Map.of());
        Path controlPlaneLog = temp.resolve("control-plane.log");
        Process controlPlane = server(doc.startServer("images/run-image.sh control-plane/target/jib-image.tar",
                controlPlaneLog));
        DocScript.awaitReady(controlPlane, URI.create("http://127.0.0.1:" + controlPlanePort + "/q/health/ready"),
                controlPlaneLog, Duration.ofMinutes(3));
        assertThat(Files.readString(controlPlaneLog)).contains("Registered the admin key given by IGNIS_ADMIN_KEY");
        JsonNode health = json(doc.run("/q/health/ready"));
        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(health.path("checks").findValuesAsText("status")).containsOnly("UP");
        JsonNode nodeTypes = json(doc.run("/v1/node-types"));
        assertThat(nodeTypes.path("node_types").findValuesAsText("name")).contains("cpu-2x4");
        stop(controlPlane, "the control plane");
        System.out.printf("ContainerImagesDocsE2E: ran the images after %d s%n", seconds(started));

        // "## Pushing them", to this test's registry.
        String registryUrl = "http://127.0.0.1:" + registryPort;
        doc.run("package jib:build -DskipTests");
        for (Map.Entry<String, String> image : MODULES.entrySet()) {
            String repository = "ignis/" + image.getKey();
            JsonNode tags = json(get(registryUrl + "/v2/" + repository + "/tags/list").body());
            List<String> tagList = new ArrayList<>();
            tags.path("tags").forEach(t -> tagList.add(t.asText()));
            assertThat(tagList).as("%s's tags", repository).containsExactlyInAnyOrder("0.1.0", VERSION);
            String digest = ImageChecks.checkManifest(registryUrl, repository, "0.1.0");
            assertThat(ImageChecks.checkManifest(registryUrl, repository, VERSION)).isEqualTo(digest);
            assertThat(digest).as("%s in the registry is the image of the tarball", repository)
                    .isEqualTo(ImageChecks.tarballManifestDigest(tree.resolve(image.getValue()).resolve("target/jib-image.tar")));
        }
        Path registryLog = temp.resolve("registry.log");
        int skopeoPutsBefore = skopeoManifestPuts(registryLog);
        doc.run("skopeo copy oci-archive:runtime/server/target/jib-image.tar");
        assertThat(skopeoManifestPuts(registryLog)).as("skopeo wrote ignis-runtime:0.1.0's manifest:\n%s",
                Files.readString(registryLog)).isEqualTo(skopeoPutsBefore + 1);
        assertThat(ImageChecks.checkManifest(registryUrl, "ignis/ignis-runtime", "0.1.0")).as("skopeo's copy is the tarball")
                .isEqualTo(ImageChecks.tarballManifestDigest(tree.resolve("runtime/server/target/jib-image.tar")));
        doc.end();
        System.out.printf("ContainerImagesDocsE2E: the whole page in %d s%n", seconds(started));
    }

    /** The registry's access log: manifests that skopeo put. */
    private static int skopeoManifestPuts(Path log) throws IOException {
        return (int) Files.readAllLines(log).stream()
                .filter(l -> l.contains("\"PUT /v2/ignis/ignis-runtime/manifests/0.1.0 HTTP/1.1\" 201") && l.contains("\"skopeo/"))
                .count();
    }

    /** Fails, naming what to install, when a tool the page uses is missing or this is not root. */
    private static void requireTools() throws IOException, InterruptedException {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(Path.of(REGISTRY))) {
            missing.add(REGISTRY + " (apt-get install docker-registry)");
        }
        for (String tool : List.of("skopeo", "psql", "curl", "unshare", "chroot", "python3", "tar")) {
            Process which = new ProcessBuilder("bash", "-c", "command -v " + tool).redirectErrorStream(true).start();
            if (which.waitFor() != 0) {
                missing.add(tool + (tool.equals("skopeo") ? " (apt-get install skopeo)" : ""));
            }
        }
        assertThat(missing).as("tools docs/how-to/container-images.md uses: .ci/run installs docker-registry and skopeo")
                .isEmpty();
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(uid).as("images/run-image.sh needs root (chroot, mount namespaces): run the tests as root").isEqualTo("0");
    }

    /**
     * The working tree without build outputs and Git's data, in a temporary directory, with {@code
     * ../shared/models} beside it: the page's nested build runs there, away from the build running this test.
     */
    private Path copyOfTheRepository() throws IOException {
        Path tree = temp.resolve("ignis");
        Files.walkFileTree(ROOT, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                String name = dir.getFileName().toString();
                if (!dir.equals(ROOT) && (name.equals("target") || name.equals(".git") || name.equals(".idea"))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(tree.resolve(ROOT.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.copy(file, tree.resolve(ROOT.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES,
                        LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }
        });
        assertThat(MODELS.resolve("stories260K/stories260K.gguf")).as("the shared models (ignis.models.dir)").exists();
        Files.createDirectories(temp.resolve("shared"));
        Files.createSymbolicLink(temp.resolve("shared/models"), MODELS);
        return tree;
    }

    /** Debian's registry on a free loopback port, plain HTTP, storing under the test's directory. */
    private int startRegistry() throws IOException {
        int port = DocScript.freePort();
        Path config = temp.resolve("registry.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: info
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(temp.resolve("registry"), port));
        Path log = temp.resolve("registry.log");
        registry = new ProcessBuilder(REGISTRY, "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        DocScript.awaitReady(registry, URI.create("http://127.0.0.1:" + port + "/v2/"), log, Duration.ofSeconds(30));
        return port;
    }

    /**
     * The reader's shell in the copy: the JDK 25 this test runs on is JAVA_HOME (jre-root.sh jlinks it) and the
     * {@code java} on the path. MAVEN_BASEDIR pins the nested build to the copy (the Maven launcher would take
     * one inherited from the environment over the directory it runs in).
     */
    private static Map<String, String> environment(Path tree) {
        String javaHome = System.getProperty("java.home");
        return Map.of("JAVA_HOME", javaHome, "PATH", Path.of(javaHome, "bin") + ":" + System.getenv("PATH"),
                "MAVEN_BASEDIR", tree.toString());
    }

    private Process server(Process process) {
        servers.add(process);
        return process;
    }

    private void stop(Process process, String what) throws InterruptedException {
        assertThat(DocScript.stop(process)).as("%s stops on SIGTERM", what).isTrue();
        servers.remove(process);
    }

    private static long seconds(long since) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since);
    }

}
