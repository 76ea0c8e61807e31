package dev.ignis.controlplane.docs;

import static dev.ignis.controlplane.docs.Walks.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ignis.testing.docs.DocScript;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two benchmarks of docs/how-to/benchmark.md, every command as written, in order, with bash from the
 * repository's root: "# Benchmarking the management API" (psql creates the database, {@code ./run.sh &} starts
 * the control plane on it, ApiBench drives it) and "# Benchmarking a runtime under load" (the engine CLI
 * synthesizes a Llama-3.2-1B-shaped model, the runtime serves it, LoadBench drives it and runs the engine
 * alone, {@code rm} deletes the model). The figures are checked for their form (every line there, every
 * number positive, no errors), never for a speed. The {@code ./mvnw package} line is this build itself: the
 * test checks that what it makes is there.
 *
 * <p>The changes a reader makes on another machine, and only those:
 * <ul>
 *   <li>the control plane and the runtime listen on free ports instead of 18080 and 18732;</li>
 *   <li>the database gets a name of its own for this run instead of {@code ignis_bench} (which a reader's
 *       earlier run may have left), and is dropped at the end, whatever happened;</li>
 *   <li>the PostgreSQL: the reader's own at 127.0.0.1:5432 when one answers there (as on a developer's
 *       machine or CI); otherwise an embedded PostgreSQL is started for the test and stands for it, its port
 *       written into the {@code psql} command ({@code -p}) and into {@code IGNIS_DB_URL}. {@code psql} must be
 *       on the path either way;</li>
 *   <li>{@code JAVA_HOME} is the JDK 25 this test runs on (the documented path where they differ), also first on
 *       the path; {@code IGNIS_HOME} is a temporary directory.</li>
 * </ul>
 * The servers that the document sends to the background with {@code &} are started as children of the test
 * ({@link DocScript#startServer}) and stopped after it, also when it fails, as is the 1.3 GB model in /tmp
 * deleted.
 */
class BenchmarkDocsE2E {

    private static final Path ROOT = Path.of(System.getProperty("ignis.repo.dir", "..")).toAbsolutePath().normalize();
    private static final Path DOC = Path.of("docs/how-to/benchmark.md");
    private static final String DOCUMENTED_JDK = "/usr/lib/jvm/temurin-25-jdk-amd64";
    private static final String ADMIN_KEY = "bench_admin_key_0123456789abcdefghijklmnop";
    /** Where the docs put the synthetic model. */
    private static final String DOCUMENTED_MODEL = "/tmp/bench-llama-3.2-1b-q8_0.gguf";
    /**
     * Where this run puts it: a name of its own, as a reader on a shared machine would pick, so that another
     * build running the same page cannot overwrite the file this run has mapped.
     */
    private static final Path MODEL = Path.of("/tmp/bench-llama-3.2-1b-q8_0-" + ProcessHandle.current().pid() + ".gguf");
    private static final String NUMBER = "([0-9]+(?:\\.[0-9]+)?)";

    @TempDir
    Path home;

    private final List<Process> servers = new ArrayList<>();
    private PagePostgres postgres;

    @AfterEach
    void cleanUp() throws Exception {
        try {
            for (Process server : servers) {
                DocScript.stop(server);
            }
        } finally {
            try {
                if (postgres != null) {
                    postgres.close();
                }
            } finally {
                Files.deleteIfExists(MODEL);
            }
        }
    }

    @Test
    void bothBenchmarksRunAsDocumented() throws Exception {
        managementApi();
        runtimeUnderLoad();
    }

    /** "# Benchmarking the management API". */
    private void managementApi() throws Exception {
        int port = DocScript.freePort();
        String name = "ignis_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        DocScript api = new DocScript(ROOT, DOC, "# Benchmarking the management API", environment())
                .rewrite("18080", Integer.toString(port)).rewrite("ignis_bench", name);
        postgres = PagePostgres.forPage("BenchmarkDocsE2E", api);
        postgres.dropsOnClose(name);
        assertThat(api.run("psql -h 127.0.0.1 -U postgres -c 'create database ignis_bench'").strip())
                .isEqualTo("CREATE DATABASE");

        Path log = home.resolve("control-plane.log");
        Process controlPlane = api.startServer("IGNIS_PORT=18080 ./run.sh &", log);
        servers.add(controlPlane);
        DocScript.awaitReady(controlPlane, URI.create("http://127.0.0.1:" + port + "/q/health/ready"), log, Duration.ofMinutes(3));
        assertThat(Files.readString(log)).as("run.sh uses the control plane this build packaged")
                .doesNotContain("Building the control plane").contains("Registered the admin key given by IGNIS_ADMIN_KEY");

        String figures = api.run("ApiBench.java");
        System.out.println("BenchmarkDocsE2E, the management API's figures (not asserted):\n" + figures);
        List<String> lines = figures.strip().lines().toList();
        assertThat(lines).as(figures).hasSize(5);
        assertThat(lines.get(0)).as(figures).matches(
                "Ignis management API benchmark: http://127\\.0\\.0\\.1:" + port + ", 8 clients, [1-9][0-9]* cores");
        Pattern result = Pattern.compile("(.+?) +(\\d+) req +(\\d+) err +" + NUMBER + " req/s  p50 +" + NUMBER
                + " ms  p90 +" + NUMBER + " ms  p99 +" + NUMBER + " ms  p99\\.9 +" + NUMBER + " ms  max +" + NUMBER + " ms");
        List<String> names = List.of("baseline GET /q/health/live", "GET /v1/deployments/{id}", "POST /v1/deployments");
        for (int i = 0; i < names.size(); i++) {
            Matcher m = result.matcher(lines.get(i + 1));
            assertThat(m.matches()).as("a result line: %s", lines.get(i + 1)).isTrue();
            assertThat(m.group(1)).isEqualTo(names.get(i));
            assertThat(Long.parseLong(m.group(2))).as(m.group()).isPositive();
            assertThat(Long.parseLong(m.group(3))).as("errors: %s", m.group()).isZero();
            double previous = 0;
            for (int g = 4; g <= 9; g++) {
                double value = Double.parseDouble(m.group(g));
                assertThat(value).as(m.group()).isPositive();
                if (g > 5) {
                    assertThat(value).as("percentiles in order: %s", m.group()).isGreaterThanOrEqualTo(previous);
                }
                previous = value;
            }
            if (i == 2) {
                assertThat(Long.parseLong(m.group(2))).as("--creates 300: %s", m.group()).isEqualTo(300);
            }
        }
        Matcher ratio = Pattern.compile("authenticated reads / baseline throughput: " + NUMBER).matcher(lines.get(4));
        assertThat(ratio.matches()).as(lines.get(4)).isTrue();
        assertThat(Double.parseDouble(ratio.group(1))).isPositive();
        // "It creates its own deployments (named `bench-…`) and deletes them at the end": the database is this
        // run's, so every deployment in it was the benchmark's.
        String left = get(URI.create("http://127.0.0.1:" + port + "/v1/deployments"));
        assertThat(json(left).path("total_count").asInt()).as("deployments left by the benchmark: %s", left).isZero();
        api.end();

        assertThat(DocScript.stop(controlPlane)).as("the control plane stops on SIGTERM").isTrue();
        servers.remove(controlPlane);
    }

    /** "# Benchmarking a runtime under load". */
    private void runtimeUnderLoad() throws Exception {
        int port = DocScript.freePort();
        DocScript load = new DocScript(ROOT, DOC, "# Benchmarking a runtime under load", environment())
                .rewrite("18732", Integer.toString(port)).rewrite(DOCUMENTED_MODEL, MODEL.toString());
        load.export("export JAVA_HOME=" + DOCUMENTED_JDK, Map.of(), Map.of(DOCUMENTED_JDK, javaHome()));
        load.next("./mvnw -B -q -pl runtime/server -am package", step -> {
            assertThat(ROOT.resolve("runtime/server/target/quarkus-app/quarkus-run.jar")).as("built by this build").exists();
            assertThat(ROOT.resolve("runtime/engine/target/ignis-engine-0.1.0-SNAPSHOT.jar")).as("built by this build").exists();
            assertThat(ROOT.resolve("runtime/engine/target/classes/dev/ignis/engine/cli/EngineCli.class"))
                    .as("built by this build").exists();
        });
        try {
            load.run(" synth --preset llama-3.2-1b --type q8_0 --out /tmp/bench-llama-3.2-1b-q8_0.gguf");
            assertThat(Files.size(MODEL)).isGreaterThan(1_000_000_000L);

            Path log = home.resolve("runtime.log");
            Process runtime = load.startServer("-jar runtime/server/target/quarkus-app/quarkus-run.jar &", log);
            servers.add(runtime);
            DocScript.awaitReady(runtime, URI.create("http://127.0.0.1:" + port + "/health/ready"), log, Duration.ofMinutes(3));

            String figures = load.run("LoadBench.java --url http://127.0.0.1:18732");
            System.out.println("BenchmarkDocsE2E, the runtime's figures (not asserted):\n" + figures);
            checkLoadFigures(figures, port);
            assertThat(DocScript.stop(runtime)).as("the runtime stops on SIGTERM").isTrue();
            servers.remove(runtime);

            load.run("rm /tmp/bench-llama-3.2-1b-q8_0.gguf");
            assertThat(MODEL).doesNotExist();
            load.end();
        } finally {
            Files.deleteIfExists(MODEL);
        }
    }

    /**
     * Every line LoadBench prints for 1, 4, 8 and 16 clients and the engine before the levels, right after the
     * one-client level and after all of them, in order.
     */
    private static void checkLoadFigures(String figures, int port) {
        List<String> lines = figures.strip().lines().toList();
        assertThat(lines).as(figures).hasSize(13);
        assertThat(lines.get(0)).as(figures).matches("Ignis runtime load benchmark: http://127\\.0\\.0\\.1:" + port
                + ", streaming /v1/completions, 16 prompt tokens, max_tokens 32, temperature 0, 40 s per level,"
                + " [1-9][0-9]* cores on this host");
        positive(lines.get(1), "engine alone before the levels \\(EngineCli bench, same file\\): decode " + NUMBER
                + " tokens/s");
        assertThat(lines.get(2)).startsWith("clients requests errors   tokens  seconds  agg tok/s  TTFT p50  TTFT p99"
                + "  ITL p50  ITL p99   decode  fastest");
        Pattern level = Pattern.compile(" *(\\d+) +(\\d+) +(\\d+) +(\\d+) +" + NUMBER + " +" + NUMBER + " +" + NUMBER
                + " +" + NUMBER + " +" + NUMBER + " +" + NUMBER + " +" + NUMBER + " +" + NUMBER);
        int[] clients = {1, 4, 8, 16};
        int[] at = {3, 5, 6, 7}; // the engine alone runs again right after the one-client level
        positive(lines.get(4), "engine alone right after the 1-client level \\(EngineCli bench, same file\\): decode "
                + NUMBER + " tokens/s");
        for (int i = 0; i < clients.length; i++) {
            String line = lines.get(at[i]);
            Matcher m = level.matcher(line);
            assertThat(m.matches()).as("a level's line (errors are printed below it): %s\n%s", line, figures).isTrue();
            assertThat(Integer.parseInt(m.group(1))).as(line).isEqualTo(clients[i]);
            assertThat(Integer.parseInt(m.group(2))).as("every client's requests: %s", line).isGreaterThanOrEqualTo(clients[i]);
            assertThat(Integer.parseInt(m.group(3))).as("errors: %s", line).isZero();
            assertThat(Long.parseLong(m.group(4))).as("completion tokens: %s", line).isPositive();
            assertThat(Double.parseDouble(m.group(5))).as("a level lasts its --seconds 40: %s", line)
                    .isGreaterThanOrEqualTo(40);
            for (int g = 6; g <= 12; g++) {
                assertThat(Double.parseDouble(m.group(g))).as("%s (column %d)", line, g).isPositive();
            }
            assertThat(Double.parseDouble(m.group(8))).as("TTFT p99 >= p50: %s", line)
                    .isGreaterThanOrEqualTo(Double.parseDouble(m.group(7)));
            assertThat(Double.parseDouble(m.group(10))).as("ITL p99 >= p50: %s", line)
                    .isGreaterThanOrEqualTo(Double.parseDouble(m.group(9)));
        }
        positive(lines.get(8), "engine alone after the levels \\(EngineCli bench, same file\\): decode " + NUMBER
                + " tokens/s, batched x4 " + NUMBER + " tokens/s, batched x8 " + NUMBER + " tokens/s");
        for (int n : new int[] {4, 8}) {
            positive(lines.get(n == 4 ? 9 : 10), "aggregate at " + n + " clients / 1 client: " + NUMBER + "x \\(engine alone"
                    + " batched x" + n + " / x1, same run after the levels: " + NUMBER + "x\\)");
        }
        positive(lines.get(11), "aggregate at 16 clients / 1 client: " + NUMBER + "x");
        positive(lines.get(12), "one client through HTTP / engine alone, decode rate: " + NUMBER
                + " \\(engine just before the level\\), " + NUMBER + " \\(just after it\\); fastest stream: " + NUMBER
                + ", " + NUMBER);
    }

    /** The line matches, and every number it captures is positive. */
    private static void positive(String line, String regex) {
        Matcher m = Pattern.compile(regex).matcher(line);
        assertThat(m.matches()).as("`%s` matches %s", line, regex).isTrue();
        for (int g = 1; g <= m.groupCount(); g++) {
            assertThat(Double.parseDouble(m.group(g))).as(line).isPositive();
        }
    }

    /** The reader's shell: the JDK 25 this test runs on is JAVA_HOME and the {@code java} on the path. */
    private Map<String, String> environment() {
        return Map.of("JAVA_HOME", javaHome(), "PATH", Path.of(javaHome(), "bin") + ":" + System.getenv("PATH"),
                "IGNIS_HOME", home.resolve("ignis").toString());
    }

    private static String javaHome() {
        return System.getProperty("java.home");
    }

    /** A GET of the management API with the documented admin key (a check beside the document's commands). */
    private static String get(URI url) {
        return Walks.get(url.toString(), "Authorization", "Bearer " + ADMIN_KEY).body();
    }

}
