package dev.ignis.testing.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the shell commands of one section of a Markdown document as a reader would: in order, with bash,
 * from the repository's root. Every {@code ```bash} block of the section is read; continued lines are
 * joined and comment lines dropped, so each step is one command exactly as written (a trailing comment
 * stays: bash ignores it).
 *
 * <p>A test walks the steps with {@link #next}: each call takes the next step, checks that it is the
 * command the test expects (a substring of it), and runs it the way the test says. Definitions ({@code
 * export}, {@code name=(...)}, {@code name=$(...)}) become part of a prelude that every later command runs
 * after, as in one shell session; {@code <placeholders>} in an {@code export} are the values the reader is
 * told to copy from an earlier answer, and the test supplies them. {@link #end} fails when the document has
 * commands the test did not run, so a command added to the docs needs a test before it lands.
 */
public final class DocScript {

    private static final Pattern FENCE = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern PLACEHOLDER = Pattern.compile("<[^<>]+>");
    private static final Pattern BACKGROUND = Pattern.compile("\\s*(?<![&|>])&\\s*(#.*)?$");
    private static final Pattern ASSIGNMENT = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)=(?!\\()");

    public record Step(String doc, int index, String command) {
        @Override
        public String toString() {
            return doc + " command " + (index + 1) + ": `" + command + "`";
        }
    }

    public record Result(int exitCode, String out, String err) {
    }

    private final Path root;
    private final Map<String, String> environment;
    private final List<Step> steps;
    private final StringBuilder prelude = new StringBuilder("set -o pipefail\n");
    private final Map<String, String> rewrites = new java.util.LinkedHashMap<>();
    private int position;

    public DocScript(Path root, Path doc, String heading, Map<String, String> environment) throws IOException {
        this.root = root;
        this.environment = environment;
        this.steps = steps(root, doc, heading);
        assertThat(steps).as("commands under '%s' in %s", heading, doc).isNotEmpty();
    }

    /** The commands of the section that starts with the line {@code heading} and ends at the next heading of its level. */
    public static List<Step> steps(Path root, Path doc, String heading) throws IOException {
        String section = section(Files.readString(root.resolve(doc)), heading);
        if (section == null) {
            throw new AssertionError("no heading '" + heading + "' in " + doc);
        }
        List<Step> steps = new ArrayList<>();
        Matcher m = FENCE.matcher(section);
        while (m.find()) {
            String pending = "";
            for (String line : m.group(1).replace("\\\n", " ").split("\n")) {
                String command = pending.isEmpty() ? line.strip() : pending + "\n" + line;
                if (openQuote(command)) {
                    pending = command; // a quoted string goes on over the next line
                } else if (!command.isEmpty() && !command.startsWith("#")) {
                    steps.add(new Step(doc.toString(), steps.size(), command));
                    pending = "";
                } else {
                    pending = "";
                }
            }
            if (!pending.isEmpty()) {
                throw new AssertionError(doc + ": a quote is never closed in `" + pending + "`");
            }
        }
        return steps;
    }

    /**
     * The lines from {@code heading} to the next heading of the same or a higher level (lines in code blocks
     * are never headings), or null.
     */
    public static String section(String text, String heading) {
        int level = heading.indexOf(' ');
        StringBuilder section = null;
        boolean fenced = false;
        for (String line : text.split("\n", -1)) {
            boolean isHeading = !fenced && line.matches("#{1," + level + "} .*");
            if (line.startsWith("```")) {
                fenced = !fenced;
            }
            if (section == null) {
                if (!fenced && line.equals(heading)) {
                    section = new StringBuilder();
                }
                continue;
            }
            if (isHeading) {
                break;
            }
            section.append(line).append('\n');
        }
        return section == null ? null : section.toString();
    }

    /** Whether a command ends inside a single- or double-quoted string (a comment ends it as bash reads it). */
    public static boolean openQuote(String command) {
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote == 0 && c == '#' && (i == 0 || Character.isWhitespace(command.charAt(i - 1)))) {
                return false;
            } else if (quote == 0 && (c == '\'' || c == '"')) {
                quote = c;
            } else if (c == quote) {
                quote = 0;
            } else if (c == '\\' && quote != '\'') {
                i++;
            }
        }
        return quote != 0;
    }

    /**
     * From now on, {@code from} is replaced by {@code to} in every command before it runs: the changes a reader
     * makes to the text on another machine (a free port instead of the one the docs name).
     */
    public DocScript rewrite(String from, String to) {
        rewrites.put(from, to);
        return this;
    }

    /**
     * The next command starts a server in the foreground (the docs say to run the next commands beside
     * it), or in the background with a trailing {@code &}: it is started in the background, its output going
     * to {@code log}, and returned. The server is a child of that bash (a trailing {@code &} is dropped, see
     * {@link #foreground}): stop it with {@link #stop(Process)}.
     */
    public Process startServer(String expected, Path log) {
        Process[] process = new Process[1];
        next(expected, step -> {
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", prelude + foreground(rewritten(step.command())))
                    .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(environment);
            try {
                process[0] = pb.start();
            } catch (IOException e) {
                throw new AssertionError("could not run " + step, e);
            }
        });
        return process[0];
    }

    /**
     * A command that the docs send to the background ({@code server &}, possibly followed by a comment) without
     * its {@code &}: bash would start the server and exit at once, leaving it outside the process that {@link
     * #startServer} returns and {@link #stop} stops. Any other command is returned as it is.
     */
    public static String foreground(String command) {
        return BACKGROUND.matcher(command)
                .replaceFirst(m -> m.group(1) == null ? "" : Matcher.quoteReplacement(" " + m.group(1)));
    }

    /** Stops a server started by {@link #startServer}: SIGTERM to the server, then bash ends with it. */
    public static boolean stop(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        boolean stopped = process.waitFor(30, TimeUnit.SECONDS);
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        return stopped;
    }

    private String rewritten(String command) {
        for (Map.Entry<String, String> r : rewrites.entrySet()) {
            command = command.replace(r.getKey(), r.getValue());
        }
        return command;
    }

    /** Takes the next command, which must contain {@code expected}, and hands it to {@code action}. */
    public Step next(String expected, Consumer<Step> action) {
        if (position >= steps.size()) {
            fail("the test expects a command containing `%s`, but the document has no more commands", expected);
        }
        Step step = steps.get(position++);
        if (!step.command().contains(expected)) {
            fail("%s: the test expects a command containing `%s`: the document changed, update the test", step, expected);
        }
        action.accept(step);
        return step;
    }

    /** Runs the next command (which must contain {@code expected}) once; it must exit 0; returns its output. */
    public String run(String expected) {
        return run(expected, Map.of());
    }

    /**
     * Runs the next command once, with its {@code <placeholders>} replaced by the values a reader copies from
     * earlier answers (ids, an ETag): as they are, so they must be plain words.
     */
    public String run(String expected, Map<String, String> values) {
        String[] out = new String[1];
        next(expected, step -> out[0] = runChecked(fill(step, values)));
        return out[0];
    }

    /** Runs the next command again and again until its output passes {@code done}, at most {@code within}. */
    public String poll(String expected, Duration within, Predicate<String> done) {
        return poll(expected, within, Map::of, done);
    }

    /** As {@link #poll(String, Duration, Predicate)}, with placeholders filled afresh before every attempt. */
    public String poll(String expected, Duration within, Supplier<Map<String, String>> values, Predicate<String> done) {
        String[] out = new String[1];
        next(expected, step -> {
            long deadline = System.nanoTime() + within.toNanos();
            while (true) {
                out[0] = runChecked(fill(step, values.get()));
                if (done.test(out[0])) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    fail("%s: still `%s` after %s", step, out[0], within);
                }
                sleep(Duration.ofMillis(500));
            }
        });
        return out[0];
    }

    /**
     * The next command is an {@code export} whose {@code <placeholders>} stand for values the reader copies
     * from earlier answers: each is replaced by its value, then the line joins the prelude.
     */
    public void export(String expected, Map<String, String> values, Map<String, String> replacements) {
        next(expected, step -> {
            assertThat(step.command()).as("%s", step).startsWith("export ");
            String line = step.command();
            for (Map.Entry<String, String> r : replacements.entrySet()) {
                line = line.replace(r.getKey(), r.getValue());
            }
            Matcher m = PLACEHOLDER.matcher(line);
            StringBuilder resolved = new StringBuilder();
            while (m.find()) {
                String value = values.get(m.group());
                if (value == null) {
                    fail("%s: the test has no value for %s (it has %s)", step, m.group(), values.keySet());
                }
                m.appendReplacement(resolved, Matcher.quoteReplacement(quote(value)));
            }
            m.appendTail(resolved);
            prelude.append(resolved).append('\n');
        });
    }

    /** The next command is a definition the later commands use as written ({@code auth=(...)}). */
    public void define(String expected) {
        next(expected, step -> prelude.append(step.command()).append('\n'));
    }

    /**
     * The next command sets a variable ({@code name=$(...)}, {@code name=word$(...)}): it is run once, and
     * the value it gave joins the prelude. Returns the value.
     */
    public String assign(String expected) {
        String[] value = new String[1];
        next(expected, step -> {
            Matcher m = ASSIGNMENT.matcher(step.command());
            assertThat(m.find()).as("%s is an assignment", step).isTrue();
            String name = m.group(1);
            value[0] = runChecked(new Step(step.doc(), step.index(),
                    step.command() + "\nprintf %s \"$" + name + "\""));
            prelude.append(name).append('=').append(quote(value[0])).append('\n');
        });
        return value[0];
    }

    private static Step fill(Step step, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(step.command());
        StringBuilder filled = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group());
            if (value == null) {
                fail("%s: the test has no value for %s (it has %s)", step, m.group(), values.keySet());
            }
            if (!value.matches("[^'\\\\$`\\s]+")) {
                fail("%s: %s = %s is not a plain word", step, m.group(), value);
            }
            m.appendReplacement(filled, Matcher.quoteReplacement(value));
        }
        m.appendTail(filled);
        return new Step(step.doc(), step.index(), filled.toString());
    }

    /** Fails when the section has commands that were not walked. */
    public void end() {
        if (position < steps.size()) {
            fail("%s was not run by the test: the document changed, update the test", steps.get(position));
        }
    }

    /** Runs a command after the prelude, in bash from the repository's root. */
    public Result execute(String command, Duration timeout) {
        try {
            Path out = Files.createTempFile("doc-step", ".out");
            Path err = Files.createTempFile("doc-step", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder("bash", "-c", prelude + command).directory(root.toFile())
                        .redirectOutput(out.toFile()).redirectError(err.toFile());
                pb.environment().putAll(environment);
                Process process = pb.start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    fail("`%s` did not finish within %s", command, timeout);
                }
                return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("could not run `" + command + "`", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private String runChecked(Step step) {
        Result result = execute(rewritten(step.command()), Duration.ofSeconds(600));
        if (result.exitCode() != 0) {
            fail("%s exited with %d; stdout: %s; stderr: %s", step, result.exitCode(), result.out(), result.err());
        }
        return result.out();
    }

    /**
     * Waits until {@code url} answers 200 (a server a document starts, e.g. with {@link #startServer}); fails
     * with the server's output when it exits first or the time is up.
     */
    public static void awaitReady(Process process, URI url, Path log, Duration within) throws IOException {
        HttpRequest ready = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + within.toNanos();
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (true) {
                assertThat(process.isAlive()).as("the server exited:\n%s", Files.readString(log)).isTrue();
                try {
                    if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
                assertThat(System.nanoTime()).as("%s ready within %s:\n%s", url, within, Files.readString(log))
                        .isLessThan(deadline);
                sleep(Duration.ofMillis(300));
            }
        }
    }

    /** A port nothing listens on now, for a server that the docs put on a fixed one. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A single-quoted shell word. */
    /**
     * A command's shell words: spaces split, single and double quotes group and are removed, and a {@code #}
     * that starts a word starts a comment to the end of the line. For commands a test hands to a Java
     * stand-in for a program (helm through helm-java) rather than to bash.
     */
    public static List<String> words(String command) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (char ch : command.toCharArray()) {
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                } else {
                    word.append(ch);
                }
            } else if (ch == '\'' || ch == '"') {
                quote = ch;
                word = word == null ? new StringBuilder() : word;
            } else if (ch == '#' && word == null) {
                break;
            } else if (Character.isWhitespace(ch)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(ch);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    public static String quote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    public static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
