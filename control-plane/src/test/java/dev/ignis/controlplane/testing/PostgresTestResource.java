package dev.ignis.controlplane.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/**
 * A real PostgreSQL for the test run: a fresh database on the server at 127.0.0.1:5432 when one answers
 * (dropped afterwards), otherwise an embedded PostgreSQL started for the run. Never H2, never a mock.
 * {@code IGNIS_TEST_PG_HOST}, {@code _PORT}, {@code _USER}, {@code _PASSWORD} point it elsewhere.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private static final String HOST = env("IGNIS_TEST_PG_HOST", "127.0.0.1");
    private static final int PORT = Integer.parseInt(env("IGNIS_TEST_PG_PORT", "5432"));
    private static final String USER = env("IGNIS_TEST_PG_USER", "postgres");
    private static final String PASSWORD = env("IGNIS_TEST_PG_PASSWORD", "");

    private EmbeddedPostgres embedded;
    private String database;

    @Override
    public Map<String, String> start() {
        if (answers(HOST, PORT)) {
            database = "ignis_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
            execute("create database " + database);
            System.out.println("PostgresTestResource: using " + HOST + ":" + PORT + ", database " + database);
            return datasource("jdbc:postgresql://" + HOST + ":" + PORT + "/" + database, USER, PASSWORD);
        }
        try {
            embedded = EmbeddedPostgres.builder().start();
        } catch (IOException e) {
            throw new UncheckedIOException("no PostgreSQL on " + HOST + ":" + PORT
                    + " and the embedded one failed to start", e);
        }
        System.out.println("PostgresTestResource: no server on " + HOST + ":" + PORT
                + "; started an embedded PostgreSQL on port " + embedded.getPort());
        return datasource("jdbc:postgresql://127.0.0.1:" + embedded.getPort() + "/postgres", "postgres", "");
    }

    @Override
    public void stop() {
        if (database != null) {
            execute("drop database if exists " + database + " with (force)");
        }
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Map<String, String> datasource(String url, String user, String password) {
        return Map.of("ignis.db.url", url, "ignis.db.user", user, "ignis.db.password", password,
                "quarkus.datasource.jdbc.url", url, "quarkus.datasource.username", user,
                "quarkus.datasource.password", password);
    }

    private static void execute(String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + HOST + ":" + PORT + "/postgres",
                USER, PASSWORD); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + HOST + ":" + PORT + " refused: " + sql, e);
        }
    }

    private static boolean answers(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
