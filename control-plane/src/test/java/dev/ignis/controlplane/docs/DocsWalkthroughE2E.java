package dev.ignis.controlplane.docs;

import static dev.ignis.controlplane.docs.Walks.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ignis.testing.docs.DocScript;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-machine product as README.md and docs/how-to/local-mode.md tell a user to run it: {@code ./run.sh}
 * from the repository (the packaged control plane, its embedded PostgreSQL under a fresh {@code IGNIS_HOME},
 * the local provisioner, runtime processes), then every command of those sections, as written, with bash
 * and curl: list models, deploy stories260K, wait for {@code ready}, take an endpoint key, complete and
 * stream, allow only 127.0.0.2 and see 127.0.0.1 refused, scale to two processes, delete. The only changes
 * to the text are the ones a reader makes: the admin key, the deployment id, the key's secret and the
 * endpoint URL are copied from the answers where the docs say so, and the control plane listens on a free
 * port ({@code IGNIS_PORT}) instead of 8080.
 */
class DocsWalkthroughE2E {

    private static final Path ROOT = Path.of(System.getProperty("ignis.repo.dir", "..")).toAbsolutePath().normalize();
    private static final Pattern ADMIN_KEY = Pattern.compile("Ignis admin API key \\(shown once, store it now\\): (\\S+)");

    @TempDir
    Path home;

    private Process controlPlane;
    private int port;
    private String adminKey;

    @AfterEach
    void stop() throws InterruptedException {
        if (controlPlane == null) {
            return;
        }
        // run.sh ends in `exec java`, so the control plane is this process or (if bash forked) its child. A
        // graceful stop also stops the embedded PostgreSQL, which pg_ctl started outside this process tree.
        List<ProcessHandle> all = Stream.concat(Stream.of(controlPlane.toHandle()), controlPlane.descendants()).toList();
        all.stream().filter(p -> command(p).contains("quarkus-app/quarkus-run.jar") && !command(p).contains("ignis.local.replica"))
                .forEach(ProcessHandle::destroy);
        boolean stopped = controlPlane.waitFor(60, TimeUnit.SECONDS);
        all.forEach(ProcessHandle::destroyForcibly);
        assertThat(stopped).as("the control plane stops on SIGTERM").isTrue();
    }

    @Test
    void readmeAndLocalModeWalkthroughsRunAsWritten() throws Exception {
        Map<String, String> environment = Map.of();

        // README.md, "Run it".
        DocScript readme = new DocScript(ROOT, Path.of("README.md"), "## Run it", environment);
        readme.next("./run.sh", step -> controlPlane = start(step.command()));
        adminKey = awaitAdminKey();
        Map<String, String> port8080 = Map.of("localhost:8080", "localhost:" + port);
        readme.export("export IGNIS=", Map.of("<the printed admin key>", adminKey), port8080);
        readme.define("auth=(");

        JsonNode models = json(readme.run("/v1/models?name=stories"));
        assertThat(models.at("/models/0/name").asText()).isEqualTo("stories260k");
        assertThat(models.at("/models/0/quantizations").findValuesAsText("variant")).contains("stories260k:int8");

        JsonNode created = json(readme.run("/v1/deployments "));
        assertThat(created.path("status").asText()).isEqualTo("creating");
        String id = created.path("id").asText();
        readme.export("export ID=", Map.of("<the deployment id>", id), port8080);

        JsonNode ready = json(readme.poll("/v1/deployments/$ID ", Duration.ofMinutes(3), out -> {
            String status = json(out).path("status").asText();
            assertThat(status).as("deployment status (%s)", out).isIn("creating", "deploying", "ready");
            return status.equals("ready");
        }));
        String url = ready.at("/endpoints/0/url").asText();
        assertThat(url).matches("http://localhost:\\d+/v1");

        JsonNode key = json(readme.run("/keys -d"));
        String secret = key.path("secret").asText();
        assertThat(secret).startsWith("ignis_ek_");
        readme.export("export EK=", Map.of("<the key's \"secret\">", secret,
                "<the deployment's endpoints[0].url, http://localhost:PORT/v1>", url), port8080);

        JsonNode completion = json(readme.run("\"max_tokens\": 40}'"));
        assertThat(completion.at("/choices/0/text").asText()).isNotBlank();
        assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(completion.at("/usage/completion_tokens").asInt()).isEqualTo(40);

        String stream = readme.run("\"stream\": true}'");
        assertThat(stream).startsWith("data: {").contains("\"object\":\"text_completion\"").endsWith("data: [DONE]\n\n");

        JsonNode acls = json(readme.run("/acls -d"));
        assertThat(acls.at("/acls/0/ip").asText()).isEqualTo("127.0.0.2/32");
        JsonNode refused = json(readme.run("--interface 127.0.0.1"));
        assertThat(refused.at("/error/code").asText()).isEqualTo("ip_not_allowed");
        JsonNode admitted = json(readme.run("--interface 127.0.0.2"));
        assertThat(admitted.at("/data/0/id").asText()).isEqualTo("stories260k:int8");

        assertThat(readme.assign("etag=$(")).matches("\"\\d+\"");
        JsonNode scaled = json(readme.run("-X PATCH"));
        assertThat(scaled.path("min_replicas").asInt()).isEqualTo(2);
        awaitReplicas(id, 2);

        JsonNode deleting = json(readme.run("-X DELETE"));
        assertThat(deleting.path("status").asText()).isEqualTo("deleting");
        awaitGone(id);
        readme.end();

        // docs/how-to/local-mode.md: "Start it" is README's command, running above; then "Deploy, call, change, delete".
        DocScript start = new DocScript(ROOT, Path.of("docs/how-to/local-mode.md"), "## Start it", environment);
        start.next("./run.sh", step -> assertThat(controlPlane.isAlive()).as("the control plane started by ./run.sh").isTrue());
        start.end();
        DocScript local = new DocScript(ROOT, Path.of("docs/how-to/local-mode.md"), "## Deploy, call, change, delete",
                environment);
        local.export("export IGNIS=", Map.of("<the admin key>", adminKey), port8080);
        local.define("auth=(");
        String localId = local.assign("id=$(");
        assertThat(localId).matches("[0-9a-f-]{36}");
        assertThat(local.assign("ek=$(")).startsWith("ignis_ek_");
        JsonNode summary = json(local.poll("jq '{status, status_reason, endpoints}'", Duration.ofMinutes(3),
                out -> json(out).path("status").asText().equals("ready")));
        assertThat(summary.path("status_reason").asText()).isEqualTo("1/1 replicas ready");
        assertThat(local.assign("url=$(")).matches("http://localhost:\\d+/v1");
        JsonNode localCompletion = json(local.run("\"max_tokens\": 32}'"));
        assertThat(localCompletion.at("/usage/completion_tokens").asInt()).isEqualTo(32);
        assertThat(localCompletion.path("model").asText()).isEqualTo("stories260k:int8");
        local.end();

        // Not part of the document: leave nothing running.
        DocScript.Result deletedLocal = local.execute("curl -s -o /dev/null -w '%{http_code}' -X DELETE \"${auth[@]}\" "
                + "$IGNIS/v1/deployments/$id", Duration.ofSeconds(30));
        assertThat(deletedLocal.out()).isEqualTo("202");
        awaitGone(localId);

        managementApi(environment, port8080);
    }

    /** docs/how-to/management-api.md, top to bottom, against the same control plane. */
    private void managementApi(Map<String, String> environment, Map<String, String> port8080) throws IOException {
        DocScript api = new DocScript(ROOT, Path.of("docs/how-to/management-api.md"), "# Using the management API",
                environment);
        api.export("export IGNIS=", Map.of("<admin key printed on first start, or IGNIS_ADMIN_KEY>", adminKey), port8080);
        api.define("auth=(");

        // Projects and keys.
        JsonNode project = json(api.run("/v1/projects -d"));
        assertThat(project.path("name").asText()).isEqualTo("team-a");
        String projectId = project.path("id").asText();
        JsonNode projectKey = json(api.run("/v1/api-keys -d", Map.of("<project id>", projectId)));
        assertThat(projectKey.path("project_id").asText()).isEqualTo(projectId);
        assertThat(projectKey.path("secret").asText()).isNotBlank();
        String projectKeyId = projectKey.path("id").asText();
        String projectKeys = api.run("api-keys?project_id=", Map.of("<project id>", projectId));
        assertThat(json(projectKeys).findValuesAsText("id")).contains(projectKeyId);
        assertThat(projectKeys).doesNotContain("\"secret\"");
        api.run("-X DELETE $IGNIS/v1/api-keys/", Map.of("<key id>", projectKeyId));
        assertRevoked(json(get("/v1/api-keys?project_id=" + projectId).body()), projectKeyId);

        // Models.
        JsonNode chatModels = json(api.run("task=chat&tag=qwen"));
        JsonNode qwen = first(chatModels.path("models"), "qwen2.5-0.5b-instruct");
        JsonNode model = json(api.run("/v1/models/<model id>", Map.of("<model id>", qwen.path("id").asText())));
        assertThat(model.path("name").asText()).isEqualTo("qwen2.5-0.5b-instruct");
        JsonNode mine = json(api.run("\"name\": \"my-model\"", Map.of("<64 hex>", "ab".repeat(32))));
        assertThat(mine.path("origin").asText()).isEqualTo("custom");
        assertThat(mine.path("tags").toString()).isEqualTo("[\"mine\"]");
        String mineId = mine.path("id").asText();
        api.run("-X DELETE $IGNIS/v1/models/", Map.of("<my-model id>", mineId));
        assertThat(get("/v1/models/" + mineId).statusCode()).isEqualTo(404);

        // Node types.
        assertThat(json(api.run("/v1/node-types")).findValuesAsText("name")).contains("cpu-2x4");

        // Deployments: the model's file is on the internet, which this machine cannot reach, so its replicas
        // fail to download it and the deployment ends in `error`; every management route works all the same.
        String created = api.run("Idempotency-Key");
        assertThat(created).startsWith("HTTP/1.1 201");
        JsonNode bot = json(body(created));
        assertThat(bot.path("name").asText()).isEqualTo("support-bot");
        String id = bot.path("id").asText();
        assertThat(json(api.run("status=ready&tag=team=a")).has("total_count")).isTrue();
        String fetched = api.run("-si \"${auth[@]}\" $IGNIS/v1/deployments/<id>", Map.of("<id>", id));
        assertThat(fetched).containsPattern("(?i)etag: \"\\d+\"");
        JsonNode patched = json(api.poll("-X PATCH", Duration.ofMinutes(1),
                () -> Map.of("<id>", id, "<the ETag, e.g. \"3\">", get("/v1/deployments/" + id).headers()
                        .firstValue("ETag").orElseThrow()),
                out -> json(out).path("max_replicas").asInt() == 5));
        assertThat(patched.path("min_replicas").asInt()).isEqualTo(1);
        JsonNode events = json(api.run("/events", Map.of("<id>", id)));
        assertThat(events.path("events").findValuesAsText("kind")).contains("created");

        // Allowed IPs.
        JsonNode acls = json(api.run("<id>/acls", Map.of("<id>", id)));
        assertThat(acls.findValuesAsText("ip")).containsExactly("203.0.113.0/24");
        JsonNode added = json(api.run("2001:db8::/32", Map.of("<id>", id)));
        String ruleId = first(added.path("acls"), "ip", "2001:db8::/32").path("id").asText();
        api.run("/acls/<rule id>", Map.of("<id>", id, "<rule id>", ruleId));
        assertThat(json(get("/v1/deployments/" + id + "/acls").body()).findValuesAsText("ip")).containsExactly("203.0.113.0/24");
        JsonNode open = json(api.run("-X PUT", Map.of("<id>", id)));
        assertThat(open.path("total_count").asInt()).isZero();

        // Endpoint keys and their rotation.
        JsonNode webApp = json(api.run("\"web app\"}", Map.of("<id>", id)));
        assertThat(webApp.path("secret").asText()).startsWith("ignis_ek_");
        String keys = api.run("<id>/keys  ", Map.of("<id>", id));
        assertThat(json(keys).findValuesAsText("id")).contains(webApp.path("id").asText());
        assertThat(keys).doesNotContain("\"secret\"");
        JsonNode rotated = json(api.run("web app 2026-12", Map.of("<id>", id)));
        assertThat(rotated.path("secret").asText()).startsWith("ignis_ek_");
        api.run("<old key id>", Map.of("<id>", id, "<old key id>", webApp.path("id").asText()));
        assertRevoked(json(get("/v1/deployments/" + id + "/keys").body()), webApp.path("id").asText());

        // Deleting.
        assertThat(json(api.run("-X DELETE $IGNIS/v1/deployments/<id>", Map.of("<id>", id))).path("status").asText())
                .isEqualTo("deleting");
        awaitGone(id);
        api.end();
    }

    private Process start(String command) {
        try {
            port = DocScript.freePort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).directory(ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(home.resolve("run.log").toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("IGNIS_"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("IGNIS_HOME", home.resolve("ignis").toString());
        env.put("IGNIS_PORT", Integer.toString(port));
        String models = System.getProperty("ignis.models.dir");
        if (models != null) {
            env.put("IGNIS_MODELS_DIR", Path.of(models).toAbsolutePath().toString());
        }
        try {
            return pb.start();
        } catch (IOException e) {
            throw new AssertionError("could not run " + command, e);
        }
    }

    /** Waits for the key that the first start prints, then for the API to answer. */
    private String awaitAdminKey() throws IOException {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        Path log = home.resolve("run.log");
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            assertThat(controlPlane.isAlive()).as("./run.sh exited early:\n%s", text).isTrue();
            Matcher key = ADMIN_KEY.matcher(text);
            if (key.find() && text.contains("Listening on:")) {
                assertThat(text).doesNotContain("Building the control plane");
                return key.group(1);
            }
            DocScript.sleep(Duration.ofMillis(500));
        }
        throw new AssertionError("no admin key and no 'Listening on' in the output of ./run.sh:\n" + Files.readString(log));
    }

    private void awaitReplicas(String deploymentId, int count) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (replicas(deploymentId).size() != count
                || !json(get("/v1/deployments/" + deploymentId).body()).path("status_reason").asText().equals(count + "/" + count + " replicas ready")) {
            assertThat(System.nanoTime()).as("%d replica processes of %s, ready", count, deploymentId).isLessThan(deadline);
            DocScript.sleep(Duration.ofMillis(500));
        }
    }

    /** Waits until the deployment's record is gone (404) and none of its processes runs. */
    private void awaitGone(String deploymentId) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            int code = get("/v1/deployments/" + deploymentId).statusCode();
            if (code == 404 && replicas(deploymentId).isEmpty()) {
                return;
            }
            assertThat(System.nanoTime()).as("deployment %s deleted (last answer %d, replicas %s)", deploymentId, code,
                    replicas(deploymentId)).isLessThan(deadline);
            DocScript.sleep(Duration.ofMillis(500));
        }
    }

    /** A GET of the management API with the admin key (checks beside the documents' own commands). */
    private HttpResponse<String> get(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + adminKey).timeout(Duration.ofSeconds(30)).build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The runtime processes the local provisioner runs for a deployment. */
    private List<ProcessHandle> replicas(String deploymentId) {
        return controlPlane.descendants().filter(ProcessHandle::isAlive)
                .filter(p -> command(p).contains("-Dignis.local.replica=" + deploymentId + "/")).toList();
    }

    private static String command(ProcessHandle process) {
        return process.info().commandLine().orElse("");
    }

    /** The element of an array whose {@code name} is {@code name}. */
    private static JsonNode first(JsonNode array, String name) {
        return first(array, "name", name);
    }

    private static JsonNode first(JsonNode array, String field, String value) {
        for (JsonNode element : array) {
            if (element.path(field).asText().equals(value)) {
                return element;
            }
        }
        throw new AssertionError("no element with " + field + " = " + value + " in " + array);
    }

    /** A revoked key is listed with its {@code revoked_at}, or not at all. */
    private static void assertRevoked(JsonNode list, String keyId) {
        List<JsonNode> listed = list.findParents("id").stream().filter(k -> k.path("id").asText().equals(keyId)).toList();
        assertThat(listed).as("key %s in %s", keyId, list).allSatisfy(k -> assertThat(k.path("revoked_at").isTextual()).isTrue());
    }

    /** The body of a {@code curl -si} answer. */
    private static String body(String answer) {
        int blank = answer.indexOf("\r\n\r\n");
        assertThat(blank).as("headers and body in %s", answer).isPositive();
        return answer.substring(blank + 4);
    }

}
